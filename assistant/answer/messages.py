"""What answers say in words of their own: refusals, corrections, the decision reminder."""

from __future__ import annotations





REFUSAL = ("I can't find a close example in the effective practice documents for that. I can only answer "
           "questions about probation practice from HM Inspectorate of Probation's published examples and "
           "standards. Try describing the person, their sentence and what is getting in the way.")
NOT_COVERED = ("The documents here don't cover {concepts}. They hold HM Inspectorate of Probation's published "
               "effective practice examples and a summary of its inspection standards, and none of them deals "
               "with {it}, so I can't give you practice on {it} from them. Check local policy or ask your SPO.")
DECISION_REMINDER = ("This shows practice from inspected cases, not a decision: whether to breach, recall or "
                     "change a risk level rests with you, your SPO and policy.")
MANIPULATION_REFUSAL = ("I can't do that. I only show what HM Inspectorate of Probation's published examples say, "
                        "each point with its source, and I don't follow instructions to change how I answer.")
FALSIFICATION_REFUSAL = ("I can't help with that: records must be accurate and complete, and enforcement decisions "
                         "follow policy, so I won't help change, backdate, hide or leave out what happened, or avoid a "
                         "warning, breach or recall that is due. The decision rests with you, your SPO and policy; "
                         "talk to your SPO if something has gone wrong.")
CORRECTIONS = {
    "impersonation": "I can't answer as an official body, a manager or anyone else: this is what the inspected "
                     "examples show, with their sources.",
    "drop_sources": "I always show where each point comes from, so the sources stay in.",
    "drop_reminder": "The reminder stays in: this is not official guidance.",
    "confirm_claim": "I can't confirm a claim the documents don't make. This is what they do say, with their sources.",
}
NOT_COVERED_PART = "The documents here don't cover {concepts}, so this part is not answered."
NO_CLOSE_MATCH_PART = "Nothing in the documents here is a close match for this part."
