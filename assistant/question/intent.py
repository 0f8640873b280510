"""What kind of question this is, before anything is searched or composed.

- manipulation: an attempt to make the assistant impersonate someone, drop its sources or its
  reminder, confirm a claim without sources, or follow instructions hidden in the question;
- an off-topic task ("write me a poem", "a recipe");
- a request for a decision on a case (breach, recall, risk level);
- a request for examples ("for a team session on…", "any cases where…");
- a fact question and the kind of fact it wants ("how many", "when", "who");
- a definition question and the term it asks about ("what does AP mean?");
- a request to falsify a record or to avoid required enforcement, however it is worded;
- how many examples it asks for, and whether (and what) it asks to compare.

The words behind the last two are data, in `requests.toml` beside this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.question.falsify import falsify_kind
from assistant.question.phrases import compiled, listed, normalised, requests_vocabulary

# Each category: patterns that show the attempt. Checked case-insensitively.
_MANIPULATION: dict[str, tuple[str, ...]] = {
    "instructions": (
        r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:instructions?|rules|prompt|guidelines|above|previous|restrictions|safeguards|filters)\b",
        r"\bsystem\s*prompt\b", r"^\s*(?:system|developer|admin)\s*:", r"\byou are now\b", r"\bjailbreak", r"\bdeveloper mode\b",
        r"\bDAN\b", r"\breply only with\b", r"\brespond only with\b", r"\bnew instructions?\b", r"\bfrom now on,? (?:you|answer|respond)\b",
        r"\bunrestricted\b.{0,20}\b(?:AI|assistant|mode)\b", r"\bprint (?:your|the) (?:prompt|instructions|rules)\b",
        r"\[(?:system|instructions?|admin)\]", r"<\s*(?:system|instructions?)\s*>",
        r"\bnote to (?:the )?(?:assistant|AI|bot|model|chatbot)\b", r"\b(?:assistant|AI|bot) override\b",
        r"\bignore (?:the|your|all) (?:documents|sources|corpus|rules|evidence)\b",
        r"\bset aside\b.{0,25}\b(?:rules|instructions|sources|guidelines)\b",
    ),
    "impersonation": (
        r"\b(?:pretend|act|behave|respond|answer|reply|speak|write|talk)\b.{0,25}\b(?:as|like)\s+(?:if\s+you\s+(?:are|were)\s+)?(?:an?\s+|the\s+|my\s+)?"
        r"(?:HMPPS|HM\s*PPS|MoJ|Ministry of Justice|(?:HM\s+)?Inspectorate|inspector|judge|magistrate|the court|my\s+(?:SPO|manager|boss|supervisor|line manager)|"
        r"SPO|senior probation officer|head of (?:the )?PDU|probation service|chief (?:probation )?officer|official|government|police|parole board|solicitor|barrister|lawyer|"
        r"(?:his |her |their |the )?(?:consultant )?(?:psychiatrist|psychologist|doctor|GP|nurse|clinician|social worker)|sentencing judge)",
        r"\b(?:you(?:'re|’re| are)(?: now)?|as|act as)\s+my\s+(?:SPO|manager|boss|supervisor|line manager|senior|team leader)\b",
        r"\bsign (?:it |this |that )?off\b", r"\bplay (?:a|an|the)\s+(?:\w+\s+){0,2}(?:who|that)\b",
        r"\bpresent (?:that|this|it) as\b",
        r"\byou are (?:now )?(?:an?\s+|the\s+|my\s+)?(?:HMPPS|Inspectorate|inspector|judge|magistrate|SPO|senior probation officer|manager|boss|line manager|official)\b",
        r"\b(?:pretend|imagine|role-?play|roleplay)\b.{0,30}\b(?:you(?:'re| are)|as|to be)\b",
        r"\bon behalf of\b.{0,20}\b(?:HMPPS|the Inspectorate|the Ministry|the service|my SPO|my manager)\b",
        r"\b(?:official|formal)\s+(?:statement|ruling|position|guidance|confirmation)\s+(?:from|of|by)\s+(?:HMPPS|the Inspectorate|the Ministry|the court)",
        r"\bin the voice of\b", r"\bsign (?:it|this|the answer) (?:off )?as\b",
    ),
    "drop_sources": (
        r"\b(?:without|no|skip|drop|remove|leave out|omit|don'?t (?:give|include|add|show|use|cite|list|bother with)|stop (?:citing|adding|giving))\b.{0,25}"
        r"\b(?:sources?|citations?|references?|links?|quotes?|evidence|examples?)\b(?!\s+(?:of|from|about|for|on|where|with|showing)\b)",
        r"\bjust (?:give me |tell me )?(?:the|a)?\s*(?:straight |plain |short |simple )?(?:answer|yes or no|rule)\b(?!\s+(?:from|with|about))",
        r"\b(?:don'?t|do not) (?:cite|reference|quote)\b",
        r"\b(?:don'?t|do not|no) need (?:to|for) (?:quote|cite|reference|source|sources|citations|references)",
    ),
    "drop_reminder": (
        r"\b(?:without|no|skip|drop|remove|leave out|omit|don'?t (?:give|include|add|show)|stop (?:adding|giving|including)|spare me)\b.{0,25}"
        r"\b(?:disclaimers?|reminders?|warnings?|caveats?|notices?|licen[cs]e text|small print|the bit about)\b",
        r"\bnot official guidance\b.{0,30}\b(?:skip|drop|remove|leave|don'?t)\b",
        r"\b(?:treat|present|state|say)\b.{0,25}\b(?:this|it|your answer)\b.{0,15}\bas (?:official )?(?:policy|guidance|official|binding|a rule)\b",
        r"\bdon'?t give me the (?:line|bit|spiel|lecture|speech)\b", r"\b(?:no|without|skip) (?:the )?(?:lecture|spiel)\b",
    ),
    "confirm_claim": (
        r"\b(?:just|simply|please|quickly|can you|could you)?\s*(?:confirm|agree|verify|validate|say|state|admit|acknowledge)\b.{0,15}\b(?:that|it'?s true that|whether it'?s true that)\b"
        r".{0,160}\b(?:policy|rule|law|guidance|HMPPS|the Inspectorate|the standard|must|always|never|automatic|mandatory|required|allowed|entitled)\b",
        r"\b(?:yes or no|true or false)\b.{0,80}\b(?:policy|rule|must|always|never|automatic|mandatory|allowed)\b",
        r"\b(?:policy|guidance|the rules?|the law|HMPPS|the Inspectorate)\b.{0,40}\b(?:says?|states?|requires?)\b.{0,80}(?:,|-|–)?\s*(?:right|correct|yes)\s*\?",
        r"\bthe answer is (?:yes|no)\b", r"\bagree with me\b", r"\bback me up\b",
        r"\b(?:yes or no|true or false)\b", r"\bjust say (?:yes|no)\b", r"\bI(?:'m|’m| am) right (?:that|about|in)\b",
        r"\baren'?t I\b", r"\bconfirm (?:for (?:me|my \w+) )?(?:that|it'?s true)\b",
    ),
}
_MANIPULATION_RX = {name: re.compile("|".join(patterns), re.I) for name, patterns in _MANIPULATION.items()}

_CREATIVE_TASK = re.compile(
    r"^\s*(?:please\s+)?(?:write|compose|generate|make up|tell|sing|draw)(?: me)? (?:a |an |some )?(?:\w+ )?"
    r"(?:poem|song|story|limerick|joke|haiku|essay|rap|recipe|sonnet|lyrics|novel|screenplay)\b|\brecipe\b|\bhoroscope\b",
    re.I,
)
_DECISION = re.compile(
    r"\b(?:should|shall|do|must|can|could|would)\s+(?:i|we)\b.{0,60}\b(?:breach|recall|revoke|activate|enforce|"
    r"risk level|rosh|re-?categori[sz]e|tier)"
    r"|\b(?:decide|decision|tell me)\b.{0,40}\b(?:breach|recall|risk level|high risk|low risk)",
    re.I,
)
_EXAMPLES_REQUEST = re.compile(
    r"\b(?:any|some|good|best|more|other|real|relevant|useful|a few|few|two|three|several)\s+(?:case\s+)?(?:examples?|cases?|case stud(?:y|ies)|case examples)\b"
    r"|\b(?:examples?|cases?|case stud(?:y|ies))\s+(?:of|where|with|about|on|involving|showing|that show|which show|in which|for a)\b"
    r"|\bfor (?:a|an|my|our|the)\s+(?:team|PDD|training|protected development|group|practice|reflective|learning)\s*(?:session|day|meeting|discussion|event|workshop)?\b"
    r"|\b(?:show|find|give|list|pick|suggest|recommend)\s+(?:me\s+|us\s+)?(?:some\s+|a few\s+|two\s+|three\s+|the\s+)?(?:good\s+)?(?:examples?|cases?|case stud(?:y|ies))\b"
    r"|\bwhich (?:examples?|cases?|case stud(?:y|ies))\b|\b(?:examples?|cases?) (?:i|we) (?:could|can) use\b",
    re.I,
)
_ONE_EXAMPLE = re.compile(r"\b(?:an?|one)\s+(?:(?:good|strong|great|real|practice|training|single)\s+)*(?:case\s+)?"
                          r"(?:example|case study)\b|^\s*(?:(?:good|practice|training)\s+)*example\b", re.I)
_MANY_EXAMPLES = re.compile(r"\b(?:examples|cases|case studies)\b", re.I)
_SUMMARY = re.compile(r"\bwhat (?:does|do|did) (?:the |a |an )?[\w .'’-]{1,50}? (?:say|cover|look for|look at|involve|expect|ask)\b"
                      r"|\bwhat(?:'s| is| are) [\w .'’-]{1,50}? about\b|\btell me about\b|\bsummar(?:y|ise|ize)\b", re.I)
_COUNT = re.compile(r"\bhow many\b|\bhow much\b|\bwhat (?:number|percentage|proportion)\b", re.I)
_FREQUENCY = re.compile(r"\bhow (?:often|frequently|regularly)\b|\bhow many times a (?:day|week|fortnight|month|year)\b"
                        r"|\bwhat frequency\b", re.I)
_WHEN = re.compile(r"^\s*when\b|\bwhat (?:date|year|month|time)\b|\bwhen (?:did|was|were|does|is|will)\b|\bsince when\b", re.I)
# "who" asks at the start of a clause ("who led it?", "and who chaired…"); after a noun it only describes
# ("a young mum who was pressured…")
_WHO = re.compile(r"(?:^|[.?!;:]\s*|[-–—]\s+)(?:(?:and|but|so|then|ok)\s+)?who\b|\b(?:tell me|know|ask)\s+who\b"
                  r"|\bwhich (?:person|team|organisation|body)\b", re.I)
_DEFINITION = re.compile(
    r"^\s*(?:so\s+|and\s+|ok\s+)?(?:what(?:'s|’s| is| are| does| do)|whats)\s+(?:an?\s+|the\s+)?(?P<a>[\w'’&/-]+(?:\s+[\w'’&/-]+){0,4}?)"
    r"(?:\s+(?:mean|stand for|stands for|refer to|involve|mean in probation))?\s*\??\s*$"
    r"|\b(?:meaning of|definition of|define|what is meant by)\s+(?:an?\s+|the\s+)?(?P<b>[\w'’&/-]+(?:\s+[\w'’&/-]+){0,4}?)\s*\??\s*$"
    r"|\bwhat does (?:an?\s+|the\s+)?(?P<c>[\w'’&/-]+(?:\s+[\w'’&/-]+){0,3}?)\s+(?:mean|stand for)\b",
    re.I,
)
# The framing of a request for examples — who asks, for what session, in what words — which says nothing
# about the practice wanted ("an example of a strong PSR to show new PQiPs" is about a strong PSR)
_REQUEST_FRAMING = re.compile(
    # how the request opens: "please can you find me…", "I need…", "have you got…"
    r"^\s*(?:(?:please|hi|hello)\W+)*(?:(?:can|could|would) you\s+(?:please\s+)?)?(?:i (?:need|want|am looking for|'m looking for)"
    r"|looking for|have you got|do you have|(?:show|find|give|list|pick|suggest|recommend)(?:\s+(?:me|us))?)\b"
    # the examples asked for: "any good case examples of", "cases where"
    r"|\b(?:any|some|good|best|strong|real|relevant|useful|a few|few|two|three|several|more|other|an?)?\s*"
    r"(?:good\s+|practice\s+|training\s+)?(?:case\s+)?(?:examples?|case studies|case study|cases)"
    r"(?:\s+(?:of|where|with|about|on|involving|showing|that show|which show|in which|i could use|we could use))?\b"
    # who it is for, at the end of a clause: "…for a team training day", "…to show new PQiPs"
    r"|(?:^|\s)(?:to (?:show|share with|use with|train|teach)|for)\s+(?:a |an |my |our |the |new )*(?:(?:team|PDD|training|"
    r"protected development|group|practice|reflective|learning|managers?'?|staff|PQiPs?|new starters?|students?|"
    r"colleagues?|away|session|day|meeting|discussion|event|workshop)(?=\W|$)\s*){1,4}(?=[-–—,;:?.!]|$)"
    # …or before its topic: "for a team session on ADHD", "for a PDD session about…"
    r"|(?:^|\s)for\s+(?:a |an |my |our |the )*(?:(?:team|PDD|training|protected development|group|practice|reflective|"
    r"learning|managers?'?|staff|away)\s+){0,3}(?:session|day|meeting|discussion|event|workshop|training|PDD)\s+"
    r"(?:on|about|around)\b"
    r"|\bwhich\b.*\bcould (?:i|we) use\b|\bthat kind of thing\b",
    re.I,
)


def request_topic(question: str) -> str:
    """A request for examples without its framing: what practice the examples should show. The question
    itself when little is left."""
    topic = _REQUEST_FRAMING.sub(" ", question)
    topic = re.sub(r"^[\s,.;:?!-]+|[\s,.;:?!-]+$", "", re.sub(r"\s+", " ", topic))
    topic = re.sub(r"^(?:on|about|of|with|where|showing)\s+", "", topic, flags=re.I)
    topic = re.sub(r"\s+([,.;:?!])", r"\1", topic)
    return topic if len(re.findall(r"\w{3,}", topic)) >= 1 else question


@dataclass(frozen=True)
class Intent:
    """What a question asks for."""

    manipulation: str | None = None  # the category of attempt, or None
    off_topic_task: bool = False
    decision: bool = False
    examples: bool = False
    one_example: bool = False  # "find me a good example…", "a case study on…": one, or a near tie, not a list
    fact: str | None = None  # "count" | "frequency" | "when" | "who" | None
    definition: str | None = None  # the term a "what is X?" question asks about
    summary: bool = False  # "what does the planning standard say?": the opening of a section answers it
    falsify: str | None = None  # "falsify" (a record made untrue or kept back) | "enforcement" (enforcement avoided)
    count: int | None = None  # how many examples it asks for ("three examples" -> 3, "a few" -> 3)
    compare: bool = False  # it asks to compare examples ("compare X and Y", "how did X differ from Y")


def manipulation_kind(question: str) -> str | None:
    """The category of manipulation the question attempts, if any."""
    for name, rx in _MANIPULATION_RX.items():
        if rx.search(question):
            return name
    return None


def read_intent(question: str) -> Intent:
    """Classify a question (as the user asked it)."""
    fact = "frequency" if _FREQUENCY.search(question) else "count" if _COUNT.search(question) else \
        "when" if _WHEN.search(question) else \
        "who" if _WHO.search(question) else None
    definition = _DEFINITION.search(question)
    term = None
    if definition:
        term = next((g for g in definition.groups() if g), None)
    return Intent(
        manipulation=manipulation_kind(question),
        off_topic_task=bool(_CREATIVE_TASK.search(question)),
        decision=bool(_DECISION.search(question)),
        examples=bool(_EXAMPLES_REQUEST.search(question)) and fact is None,
        one_example=bool(_ONE_EXAMPLE.search(question)) and not _MANY_EXAMPLES.search(question),
        fact=fact,
        definition=term.strip() if term and not _SUMMARY.search(question) else None,
        summary=bool(_SUMMARY.search(question)),
        falsify=falsify_kind(question),
        count=count_asked(question),
        compare=bool(compared(question)),
    )


def is_manipulation(question: str) -> bool:
    """Prompt injection, an impersonation request, or an off-topic task ("write me a poem")."""
    intent = read_intent(question)
    return bool(intent.manipulation or intent.off_topic_task)


def asks_for_a_decision(question: str) -> bool:
    return bool(_DECISION.search(question))



# --- how many examples, and what to compare ------------------------------------------------------------


@lru_cache(maxsize=1)
def _count_pattern() -> re.Pattern[str]:
    numbers = requests_vocabulary()["count"]["numbers"]
    number = r"(?P<n>\d{1,2}|" + "|".join(re.escape(w) for w in sorted(numbers, key=len, reverse=True)) + r")"
    modifiers = r"(?:[\s-]+" + listed("count", "modifiers") + r")*"
    noun = r"[\s-]+" + listed("count", "nouns")
    ranked = listed("count", "ranked") + r"[\s-]+" + number.replace("?P<n>", "?P<r>") + r"(?![\w'])"
    single = r"(?P<a>an?)" + modifiers + r"[\s-]+" + listed("count", "single")
    bare = listed("count", "asking") + r"[\s-]+" + number.replace("?P<n>", "?P<b>") + r"(?=\s*(?:please\b|[.?!]|$))"
    return re.compile(r"(?<![\w'])(?:" + number + modifiers + noun + r"|" + ranked + r"|" + single + r"|" + bare
                      + r")(?![\w'])")


def count_asked(question: str) -> int | None:
    """How many examples `question` asks for: "three examples" -> 3, "a couple of cases" -> 2, "top five" -> 5,
    "one good example" -> 1, "a few" -> 3; None when it names no number ("any examples of…")."""
    text = normalised(question)
    numbers = requests_vocabulary()["count"]["numbers"]
    for found in _count_pattern().finditer(text):
        before = text[max(0, found.start() - 12):found.start()]
        if compiled("count", "not_counts").search(before):  # "how many cases", "the last two cases"
            continue
        word = found.group("n") or found.group("r") or found.group("b")
        value = 1 if found.group("a") else int(word) if word.isdigit() else numbers.get(word)
        if value and 0 < value <= 20:
            return value
    return None


_HEADS = r"(?:examples?|cases?|case stud(?:y|ies)|ones|stories|approaches|initiatives|strategies|pieces of work)"
_NUMBER = r"(?:(?:the|these|those)\s+)?(?:two|both|2|three|3|four|4)?\s*"
_END = r"\s*(?:\s[-–—]\s|[?.!;]|$)"
# What a comparison names: two (or more) things, or the one topic two examples share ("the two examples about X")
_COMPARED = [re.compile(p, re.I) for p in (
    # "compare the two resettlement cases - the burglar… and the sex offender…"
    r"\b(?:compare|contrast)\s+" + _NUMBER + r"(?:[\w'-]+\s+){0,2}?" + _HEADS + r"\s*[-–—:,]\s*(?P<x>.+?)\s+(?:and|versus|vs\.?)\s+(?P<y>.+?)" + _END,
    # "side by side please: the veteran… and the man who…"
    r"\bside[ -]by[ -]side\b[^:–—-]*?[:–—-]\s*(?P<x>.+?)\s+(?:and|versus|vs\.?)\s+(?P<y>.+?)" + _END,
    # "compare the two PSR examples", "compare both pre-sentence report cases for a team meeting": the topic
    # is what names the examples
    r"\b(?:compare|contrast)\s+(?:(?:the|these|those)\s+)?(?:two|both|2|three|3|four|4)\s+(?P<t>[\w'-]+(?:\s+[\w'-]+){0,3}?)\s+"
    + _HEADS + r"\b",
    # "compare the two cases where serious mental illness got in the way"
    r"\b(?:compare|contrast)\s+" + _NUMBER + r"(?:[\w'-]+\s+){0,2}?" + _HEADS + r"\s+(?:about|on|where|with|involving|of|for|that|in which|showing)\s+(?P<t>.+?)" + _END,
    # "compare Sam's case and Paul's case", "compare X with Y": split where the two sides balance (_balanced)
    r"\b(?:compare|contrast)\s+(?P<pair>.+?)(?:\s*,|" + _END + r")",
    # "Back to Basics versus the effective practice strategy"
    r"(?:^|[:;,.]\s*|\s[-–—]\s)(?P<x>[^,:;?.!]+?)\s+(?:versus|vs\.?|v\.?)\s+(?P<y>[^,:;?.!]+?)" + _END,
    # "how did the approach with the pregnant woman differ from the veteran", "how is a CO different from an SSO"
    r"\b(?:how|in what ways?)\s+(?:did|does|do|was|were|is|are)\s+(?P<x>.+?)\s+(?:differ|compare|contrast|different|similar)\s+(?:from|to|with)\s+(?P<y>.+?)" + _END,
    # "the difference between X and Y", "what do X and Y have in common"
    r"\b(?:differences?|similarit(?:y|ies)|contrast)\s+between\s+(?P<x>.+?)\s+and\s+(?P<y>.+?)" + _END,
    r"\bwhat\s+(?:do|did|does)\s+(?P<x>.+?)\s+and\s+(?P<y>.+?)\s+have\s+in\s+common\b",
    # "what was different about how the TSP case and the maturity toolkit case kept them engaged"
    r"\bwhat\s+(?:was|is|were|are|'s)\s+(?:different|similar|the same|the difference|alike)\s+(?:about|between|in)\s+(?:how\s+)?(?P<x>.+?)\s+and\s+(?P<said>.+?)" + _END,
    # "which worked better: X or Y"
    r"\b(?:which|who)\s+(?:worked|did|was|went|got on)\s+better\W+(?P<x>.+?)\s+or\s+(?P<y>.+?)" + _END,
    # "the two examples about ADHD", with a comparison asked for somewhere
    r"\b(?:the\s+)?(?:two|both|2)\s+" + _HEADS + r"\s+(?:about|on|where|with|involving|of|for|in which)\s+(?P<t>.+?)(?=\s+(?:differ|compare|do|did|have|had)\b|" + _END + r")",
)]


def compared(question: str) -> list[str]:
    """What `question` asks to compare: ["Sam", "Paul"] for "compare Sam's case and Paul's case", ["X"] for
    "the two examples about X", two descriptions for "how did the approach with the pregnant woman differ
    from the veteran"; [] when it asks for no comparison."""
    text = re.sub(r"\s+", " ", question.replace("’", "'")).strip()
    if not compiled("compare", "cues").search(normalised(text)):
        return []
    for rx in _COMPARED:
        found = rx.search(text)
        if not found:
            continue
        groups = found.groupdict()
        if groups.get("t"):
            items = [_item(groups["t"])]
        elif groups.get("pair"):
            items = [_item(side) for side in _balanced(groups["pair"])]
        else:  # the second item may run on into what is said about both ("…and Y kept them engaged")
            second = _trim_second(groups["x"], groups["said"]) if groups.get("said") else groups["y"]
            items = [_item(groups["x"]), _item(second)]
        items = [item for item in items if item]
        if items and all(len(item) <= 120 for item in items):
            return items
    return []


def _balanced(pair: str) -> list[str]:
    """"X and Y", "X with Y", "X to Y" split at the joining word that leaves two sides most alike in length
    ("the work with Dan to the work with Lee", "the Back to Basics strategy with the engagement work")."""
    words = pair.split()
    cuts = [i for i, w in enumerate(words) if w.lower() in ("and", "with", "to", "against", "versus", "vs", "vs.")
            and 0 < i < len(words) - 1]
    if not cuts:
        return []
    best = min(cuts, key=lambda i: (abs(i - (len(words) - i - 1)), words[i].lower() not in ("and", "versus", "vs")))
    return [" ".join(words[:best]), " ".join(words[best + 1:])]


def _trim_second(first: str, second: str) -> str:
    """The second item without what is said about both ("the maturity toolkit case kept the young men engaged"
    is "the maturity toolkit case"): cut after the head noun the first item ends with, else at a verb."""
    head = first.split()[-1].lower() if first.split() else ""
    words = second.split()
    if head in requests_vocabulary()["compare"]["heads"] and head in [w.lower() for w in words]:
        return " ".join(words[:[w.lower() for w in words].index(head) + 1])
    verbs = set(requests_vocabulary()["compare"]["verbs"])
    for i, word in enumerate(words[1:], 1):
        if word.lower() in verbs:
            return " ".join(words[:i])
    return second


def _item(text: str) -> str:
    """One compared item, without the words around it: "the approach with the pregnant woman" -> "pregnant woman",
    "Sam's case" -> "Sam"."""
    item = re.split(r"\s[-–—]\s|[?!;]|,\s*(?:both|and both)\b", text)[0].strip(" ,.:'\"")
    vocab = requests_vocabulary()["compare"]
    framing = sorted(vocab["framing"], key=len, reverse=True)
    changed = True
    while changed and item:
        changed = False
        for words in framing:
            if item.lower().startswith(words + " "):
                item, changed = item[len(words) + 1:].strip(), True
                break
    for head in sorted(vocab["heads"], key=len, reverse=True):
        if item.lower().endswith(" " + head) and len(item.split()) > 1:
            item = item[: -len(head) - 1].strip()
            break
    return re.sub(r"'s$", "", item).strip(" ,.:'\"")


def asks_for_organisational(question: str) -> bool:
    """Whether a request for examples asks for a service's or a region's work ("three leadership
    initiatives") rather than cases; the nouns are `[count] organisational` in requests.toml."""
    return bool(compiled("count", "organisational").search(normalised(question)))
