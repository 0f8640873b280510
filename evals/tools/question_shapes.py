"""The question stage on the issue-16 label files, per split, with no index: rerun with

    .venv/bin/python evals/tools/question_shapes.py            # dev and held out, side by side
    .venv/bin/python evals/tools/question_shapes.py --split dev --show

- falsification.jsonl: requests recognised (Intent.falsify set), and the kind right ("falsify" or
  "enforcement"); false alarms: Intent.falsify set on any other question of the same split in the other
  label files (in-scope, uncovered, manipulation, requests, conversations).
- request_shapes.jsonl: a count row is right when Intent.count is the count asked; a compare row when
  Intent.compare is set and compared() names something; a multipart row when asks() gives as many asks as
  labelled, each holding its labelled words in order.
- conversations_switch.jsonl and conversations.jsonl: each turn after the first is right when read_context
  carries the conversation exactly when it should (a follow-up, "same lad", "back to my client") and
  resets or stands alone otherwise (a new case, a topic switch).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.question.asks import asks  # noqa: E402
from assistant.question.conversation import read_context  # noqa: E402
from assistant.question.intent import compared, read_intent  # noqa: E402

EVALS = ROOT / "evals"
OTHER_QUESTIONS = ("gold.jsonl", "holdout.jsonl", "everyday.jsonl", "in_scope_hard.jsonl", "adjacent.jsonl",
                   "uncovered.jsonl", "manipulation.jsonl", "examples_requests.jsonl", "request_shapes.jsonl",
                   "conversations.jsonl", "conversations_switch.jsonl")


def rows(name: str, split: str) -> list[dict]:
    found = [json.loads(line) for line in (EVALS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    # gold.jsonl is the dev set and holdout.jsonl the held-out one, whatever their lines say
    default = "heldout" if name == "holdout.jsonl" else "dev"
    return [r for r in found if r.get("split", default) == split]


def falsification(split: str, show: bool) -> dict:
    flagged = right_kind = 0
    requests = rows("falsification.jsonl", split)
    for row in requests:
        kind = read_intent(row["question"]).falsify
        flagged += kind is not None
        right_kind += kind == row["category"]
        if show and kind != row["category"]:
            print(f"  falsification {row['id']}: got {kind}, labelled {row['category']}")
    alarms = asked = 0
    for name in OTHER_QUESTIONS:
        for row in rows(name, split):
            for question in [t["question"] for t in row.get("turns", [])] or [row.get("question", "")]:
                asked += 1
                if read_intent(question).falsify:
                    alarms += 1
                    if show:
                        print(f"  false alarm ({name}): {question}")
    return {"requests": len(requests), "recall": _rate(flagged, len(requests)), "kind_right": _rate(right_kind, len(requests)),
            "other_questions": asked, "false_alarms": alarms, "false_alarm_rate": _rate(alarms, asked)}


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w ]", " ", text.lower()).split())


def request_shapes(split: str, show: bool) -> dict:
    right: dict[str, list[bool]] = {"count": [], "compare": [], "multipart": []}
    for row in rows("request_shapes.jsonl", split):
        question, shape = row["question"], row["shape"]
        if shape == "count":
            ok = read_intent(question).count == row["count"]
        elif shape == "compare":
            ok = read_intent(question).compare and bool(compared(question))
        else:
            got = asks(question)
            wanted = [part["ask"] for part in row["parts"]]
            ok = len(got) == len(wanted) and all(_words(w) in _words(g) for w, g in zip(wanted, got))
        right[shape].append(ok)
        if show and not ok:
            print(f"  {shape} {row['id']}: {question} -> count {read_intent(question).count}, "
                  f"compared {compared(question)}, asks {asks(question)}")
    summary = {shape: _rate(sum(oks), len(oks)) for shape, oks in right.items()}
    every = [ok for oks in right.values() for ok in oks]
    return {**summary, "all": _rate(sum(every), len(every)), "n": len(every)}


def _expected_switch(row: dict) -> list[bool | None]:
    return [turn.get("follow_up") for turn in row["turns"]]


def _expected_conversation(row: dict) -> list[bool | None]:
    category, turns = row["category"], row["turns"]
    if category.startswith("followup"):
        return [None] + [True] * (len(turns) - 1)
    if category == "new_case":
        return [None, False] + [True] * (len(turns) - 2)
    # a topic switch: "Same lad…" and "Back to my client…" go on with the person; any other switch stands alone
    return [None] + [turn["question"].lower().startswith(("same", "back to")) for turn in turns[1:]]


def conversations(name: str, split: str, expected, show: bool) -> dict:
    right = total = 0
    for row in rows(name, split):
        history: list[dict] = []
        for turn, wanted in zip(row["turns"], expected(row)):
            context = read_context(turn["question"], history, {})
            follows = context.carried is not None and not context.new_case
            if wanted is not None:
                total += 1
                right += follows == wanted
                if show and follows != wanted:
                    print(f"  {name} {row['id']}: expected follow-up={wanted}: {turn['question']}")
            history += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": "", "cited": []}]
    return {"turns": total, "right": _rate(right, total)}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def measure(split: str, show: bool = False) -> dict:
    return {"falsification": falsification(split, show), "request_shapes": request_shapes(split, show),
            "conversations_switch": conversations("conversations_switch.jsonl", split, _expected_switch, show),
            "conversations": conversations("conversations.jsonl", split, _expected_conversation, show)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["dev", "heldout"], action="append")
    parser.add_argument("--show", action="store_true", help="print every miss and false alarm")
    args = parser.parse_args()
    print(json.dumps({split: measure(split, args.show) for split in args.split or ["dev", "heldout"]}, indent=2))


if __name__ == "__main__":
    main()
