"""Requests to falsify a record or to avoid required enforcement, however they are worded.

A general reading, not a list of sentences. The signs are word classes in `requests.toml`
(`[falsify]`, `[enforcement]`), each with a weight (`[falsify.weights]`); a question whose signs add
up to the threshold is such a request:

- an act the person asking is to do ("can you…", "how do I…", "my SPO says…", "if I…", or an
  instruction opening a sentence) on a record or on what a record would say, with signs that the
  record would be untrue (a claim and something against it, a contact "that never happened", a
  visit "I didn't get to"), shaped for a result ("so he drops to medium", "so the gaps don't show"),
  a change to what it already says, or time pressure;
- an act that deceives in itself (backdate, fabricate, forge);
- something kept off a record or from someone who must know, with a compliance event or a motive;
- not warning, reporting, logging or asking for evidence when it is due; not breaching or recalling
  with a motive; evasion in itself ("sit on the recall", "tell him to lie low until…").

Words that show the record is meant to be accurate ("a late entry", "correct an error") or that the
question is about the rules ("is it OK not to breach if he had a good reason?") count against.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.question.phrases import compiled, listed, normalised, requests_vocabulary, whole

_SENTENCES = re.compile(r"(?<=[.?!;])\s+|\s+-\s+")
# between a negation and the duty it negates ("not to send any warning letters", "hold off on sending the breach")
_FILLER = r"(?:[\s,]+(?:just|really|even|quietly|simply|bother to|have to|need to|ever|the|a|an|any|his|her|their))*[\s,]+"
Signs = dict[str, int]
Patterns = dict[str, re.Pattern[str]]


@lru_cache(maxsize=1)
def _patterns() -> Patterns:
    request = r"(?<![\w'])" + listed("falsify", "requests") + r"(?:[\s,]+" + listed("falsify", "fillers") + r")*[\s,]+"
    opening = r"(?:^|[.?!;:,]\s*|\s-\s*|(?<![\w'])(?:but|so|then)\s+)(?:(?:please|just|now|so|then|ok|okay)[\s,]+)*"

    def asked(key: str) -> re.Pattern[str]:  # the act just after a request, or opening a sentence
        return re.compile(r"(?:" + request + r"|" + opening + r")(" + listed("falsify", key) + r")(?![\w'])")

    subject = r"(?:(?:i|we|you|they)[\s,]+)?"
    negation = listed("slots", "neg")
    first_person = r"(?<![\w'])(?:i|we)(?:[\s,]+(?:just|simply|really|then))*[\s,]+"
    falsify_lists = ("untrue", "claims", "passive", "said", "contrary", "against", "undone", "excuses", "unexcused",
                     "unmade", "shaping", "hide", "conceal", "motive", "pressure", "from_authority", "honest")
    return {
        "request": re.compile(request), "act": asked("acts"), "deceptive": asked("deceptive"),
        "conceal_asked": asked("conceal"),
        "modify": whole(listed("falsify", "modify")), "record": compiled("slots", "records"),
        **{key: compiled("falsify", key) for key in falsify_lists},
        "inform": re.compile(request + subject + negation + _FILLER + listed("enforcement", "inform")),
        "without_inform": re.compile(r"(?<![\w'])without" + _FILLER + listed("enforcement", "inform")),
        "past": re.compile(first_person + negation + _FILLER + listed("enforcement", "inform")),
        "outcome": re.compile(r"(?:" + request + subject + negation + r"|" + first_person + r"(?:don't|do not) want to)"
                              + _FILLER + listed("enforcement", "outcomes")),
        **{key: compiled("enforcement", key) for key in ("ruled_out", "evasion", "events", "acceptable", "minimise")},
    }


def falsify_signs(question: str) -> dict[str, Signs]:
    """The signs found in `question`, with their weights: {"falsify": {sign: weight}, "enforcement": {…}}."""
    text = normalised(question)
    rx = _patterns()
    weights = requests_vocabulary()["falsify"]["weights"]
    asked = bool(rx["request"].search(text))
    # signs that weigh on either reading once something else is found
    shared = {sign: weights[sign] for sign, key in (("motive", "motive"), ("pressure", "pressure"), ("event", "events"))
              if rx[key].search(text)}
    if asked and rx["hide"].search(text):  # wanting it unseen, when something is asked for
        shared["hide"] = weights["hide"]
    return {"falsify": _record_signs(text, rx, weights, shared, asked),
            "enforcement": _enforcement_signs(text, rx, weights, shared, asked)}


def _record_signs(text: str, rx: Patterns, weights: Signs, shared: Signs, asked: bool) -> Signs:
    """Signs of a record made untrue or kept back."""
    sentences = _SENTENCES.split(text)
    # an act asked for on a record or on what a record would say, or a claim made of a record ("…recorded as")
    acts = [(sentence, act) for sentence in sentences for act in rx["act"].finditer(sentence)
            if rx["record"].search(sentence, act.end(1)) or _says_after(sentence, act.end(1), rx)
            or any(rx[key].search(sentence, act.start(1)) for key in ("claims", "excuses", "untrue"))]
    passive = asked and bool(rx["passive"].search(text))
    signs: Signs = {}
    if rx["deceptive"].search(text):
        signs["deceptive"] = weights["deceptive"]
    if asked and rx["shaping"].search(text):
        signs["shaping"] = weights["shaping"]
    if acts or passive:
        signs.update(_act_signs(text, rx, weights, acts, passive))
    if rx["conceal_asked"].search(text) or any(rx["conceal"].search(s) and (rx["request"].search(s) or rx["act"].search(s))
                                               for s in sentences):
        signs["conceal"] = weights["conceal"]
        if rx["from_authority"].search(text):
            signs["from_authority"] = weights["from_authority"]
    if not (signs or "hide" in shared):
        return {}
    signs.update({k: w for k, w in shared.items() if k != "event" or "conceal" in signs or "hide" in shared})
    if rx["honest"].search(text):
        signs["honest"] = weights["honest"]
    return signs


def _act_signs(text: str, rx: Patterns, weights: Signs, acts: list[tuple[str, re.Match[str]]], passive: bool) -> Signs:
    """What an act on a record would make it say: untrue, a claim with something against it, a change."""
    signs = {"act": weights["act"]}
    signs.update({key: weights[key] for key in ("untrue", "unmade") if rx[key].search(text)})
    # a claim (or an excuse) counts for more with something in the question against it; a claim of attendance
    # or a clear test is against a missed appointment or a failed test too. What a record would say ("log that
    # he…") is against what another sentence says ("saying he's complied. He hasn't done any…"), never against
    # itself ("record that he hasn't done his hours")
    said = [sentence for sentence, act in acts if _says_after(sentence, act.end(1), rx)]
    elsewhere = " . ".join(s for s in _SENTENCES.split(text) if s not in said)
    claims = passive or bool(rx["claims"].search(text))
    contrary = bool(rx["contrary"].search(text))
    undone = bool(rx["undone"].search(text))
    pairs = [(claims or bool(said), contrary), (claims, undone or bool(rx["against"].search(text))),
             (bool(said), bool(rx["undone"].search(elsewhere))),
             (bool(rx["excuses"].search(text)), bool(rx["unexcused"].search(text)))]
    if any(claim for claim, _ in pairs):
        signs["claim"] = weights["claim"]
    if any(claim and against for claim, against in pairs):
        signs["contrary"] = weights["contrary"]
    if any(rx["modify"].fullmatch(act.group(1)) for _, act in acts):
        signs["modify"] = weights["modify"]
    return signs


def _says_after(sentence: str, start: int, rx: Patterns) -> bool:
    """A record act followed (within a few words) by what the record would say: "log that…", "mark it as…"."""
    words = re.findall(r"[\w'-]+|['\"]", sentence[start:])[:8]
    if words and words[-1] == "that" and len(words) < 8:  # "how should I record that?": "that" is the thing recorded
        words = words[:-1]
    return any(rx["said"].fullmatch(" ".join(words[i:i + n])) or words[i] in ("'", '"')
               for i in range(len(words)) for n in (1, 2, 3))


def _enforcement_signs(text: str, rx: Patterns, weights: Signs, shared: Signs, asked: bool) -> Signs:
    """Signs of enforcement avoided: a duty not done, an outcome avoided, evasion."""
    signs: Signs = {}
    if rx["inform"].search(text) or (asked and rx["without_inform"].search(text)):
        signs["inform"] = weights["inform"]
    signs.update({key: weights[key] for key in ("ruled_out", "outcome", "evasion", "past") if rx[key].search(text)})
    if not signs:
        return {}
    signs.update(shared)
    signs.update({key: weights[key] for key in ("minimise", "acceptable") if rx[key].search(text)})
    return signs


def falsify_kind(question: str) -> str | None:
    """"falsify" when `question` asks to put something untrue on a record or keep something off it,
    "enforcement" when it asks to avoid enforcement the rules require (or to falsify a record of a
    compliance event), else None."""
    signs = falsify_signs(question)
    threshold = requests_vocabulary()["falsify"]["weights"]["threshold"]
    records, enforcement = sum(signs["falsify"].values()), sum(signs["enforcement"].values())
    if enforcement >= threshold or (records >= threshold and _patterns()["events"].search(normalised(question))):
        return "enforcement"
    return "falsify" if records >= threshold else None
