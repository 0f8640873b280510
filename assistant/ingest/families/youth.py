"""Youth justice guides: the guides' chapter-and-case-block layout, about children, referral
orders, YROs, ISS and youth justice services (YOTs); told from an adult guide by its words."""

from __future__ import annotations

from assistant.ingest.families.base import Family


class YouthGuide(Family):
    name = "youth guide"
    document_kind = "youth guide"

    def score(self, signals) -> float:
        if signals.youth_terms <= signals.adult_terms:
            return 0.0
        return 1.5 * signals.case_labels + 1.0 * (signals.other_markers + signals.effectiveness_markers)


FAMILY = YouthGuide()
