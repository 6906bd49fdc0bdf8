"""Dialogue context and the rules that read a message in its light (pure: no database, no clock).

A person's context is the last topic they asked about (jobs, training, bus, policy), its criteria (slots, in
Rasa's words), the list they were shown and the item they last looked at. It is kept per chat in the
conversation state row (a person's group context is separate from their private one) and forgotten after
`conversation.context_minutes` without use.

`resolve(parse, context, intent)` decides what a message does, from the NLU's own signals:

1. "不是这个" / "不对" (intent deny) right after a refinement undoes it: back to the criteria before.
2. An `ordinal` entity (第一个, 二号, 最后那个, 这个, "the first one") refers to the list shown: details, or the
   topic's single-use act (apply, enrol, book) when the intent is an act (job_apply, training_enroll) and the
   message says more than the reference ("我要报第一个"; a bare "第一个" only shows details).
   Numbers count from the first item of the list, across pages: after "more", "第4个" is the 4th overall,
   the first item of the second page; only items already shown can be named.
3. A message that is only cues and slots — nothing left once its entities, particles and the topic's own
   nouns are taken out ("符溪镇的呢", "有没有工资高点的", "要带啥子东西", "还有吗", "明天的呢") — continues the
   topic: `more` pages on, an `attribute` asks about what was shown, slots the topic takes refine it. One that
   names the topic's noun without a follow-up mark (…呢, 那…) is a whole question: "有没有工厂的活" replaces.
4. Anything else is a new question, routed by its own intent (a topic question replaces the context).

Right after a wage-arrears or hand-off case is opened, more of the same (or words the NLU does not follow) add
to that case for its secretary rather than opening another.

An elliptical job cue with no context ("工资高点的", classified as wage_arrears for its 工资; "钱最多的活",
"which job pays the most") is a job search. A message that names a course and nothing but the training topic's
words ("有没得采茶的班", "any tea picking courses?", which the classifier may call a job search for its 有没得…的)
is a training question, in any context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flows.ranking import SearchCriteria
from nlu.normalise import normalise
from nlu.ordinals import find_ordinals
from storage.states import CaseKind

# How many chats' contexts one person keeps (their private chat and the groups they asked in lately).
MAX_CHATS = 5


class Topic(StrEnum):
    JOBS = "jobs"
    TRAINING = "training"
    BUS = "bus"
    POLICY = "policy"
    CASE = "case"  # a wage-arrears or hand-off case just opened: what follows adds to it
    BUREAU = "bureau"  # the bureau's offices, hours and holidays: "那清明节呢" asks the same of another day


class Move(StrEnum):
    """What a message does to the conversation."""

    NEW = "new"  # a question of its own (routed by its intent)
    REFINE = "refine"  # the last question with some criteria changed
    UNDO = "undo"  # back to the criteria before the last refinement
    MORE = "more"  # the next page of the list shown
    REFER = "refer"  # an item of the list shown: details, or act on it
    ASK = "ask"  # a question about what was shown (requirements, seats, time …)
    SHOW = "show"  # show the remembered list again (a deep link into the private chat)
    ADD = "add"  # more about the case just opened, for its secretary


# The intent a topic's questions are handled as, and the intent of its single-use act.
TOPIC_INTENT: dict[str, str] = {
    Topic.JOBS: "job_search", Topic.TRAINING: "training_question", Topic.BUS: "transport_question",
    Topic.POLICY: "policy_question", Topic.CASE: "wage_arrears", Topic.BUREAU: "bureau_info",
}
INTENT_TOPIC = {intent: topic for topic, intent in TOPIC_INTENT.items() if topic not in (Topic.CASE, Topic.BUREAU)}
# After a case is opened, these add to it ("欠了三个月了", words the NLU does not follow) instead of opening another.
CASE_INTENTS = frozenset({"wage_arrears", "human_handoff", "nlu_fallback", "out_of_scope"})
ACT_INTENT: dict[str, str] = {
    Topic.JOBS: "job_apply", Topic.TRAINING: "training_enroll", Topic.BUS: "transport_question",
    Topic.POLICY: "policy_question",
}
# Intents that ask to act on an item ("我要报名", "订第一个"): the NLU does not tell a course from a posting.
ACT_INTENTS = frozenset({"job_apply", "training_enroll"})
# Entities a topic's criteria take, and cue values that apply to it.
SLOTS: dict[str, frozenset[str]] = {
    Topic.JOBS: frozenset({"job_category", "location", "salary", "job_attribute", "age", "order"}),
    Topic.TRAINING: frozenset({"training", "job_category", "date"}),
    Topic.BUS: frozenset({"location", "date", "order"}),
    Topic.POLICY: frozenset(),
    Topic.CASE: frozenset(),
    Topic.BUREAU: frozenset({"date", "location"}),
}
ORDERS: dict[str, frozenset[str]] = {
    Topic.JOBS: frozenset({"pay", "near", "newest"}),
    Topic.BUS: frozenset({"cheap"}),
}
ATTRIBUTES: dict[str, frozenset[str]] = {
    Topic.JOBS: frozenset({"requirements", "seats", "pay", "place", "contact", "how", "details", "time"}),
    Topic.TRAINING: frozenset({"requirements", "seats", "time", "place", "how", "details", "pay"}),
    Topic.BUS: frozenset({"requirements", "seats", "time", "place", "how", "details", "pay"}),
    Topic.POLICY: frozenset({"requirements", "how", "details", "time"}),
}
# Cue entities: they say how to continue, not what the question is about.
CUES = frozenset({"ordinal", "order", "attribute", "more", "act"})
# Elliptical cues that mean a job search even with nothing before them ("工资高点的", "包吃住的").
JOB_CUES = frozenset({"order", "job_attribute", "salary"})

# What a follow-up may say around its slots without asking anything new: particles, "is there", "I want",
# "that one over there" … (after normalisation: simplified, lower case). Longer words are removed first.
_FILLER_WORDS = (
    "有没有", "有没得", "有莫得", "有不有", "是不是", "能不能", "可不可以", "可以", "还有", "那边", "这边", "那里", "这里",
    "一点", "一些", "一下", "看看", "东西", "的话", "怎么", "那种", "这种", "哪些", "什么", "啥子", "请问", "帮我",
    "给我", "我想", "我要", "想要", "需要", "要得", "好的", "麻烦", "一样", "不对", "不是", "错了", "搞错",
    "我是说", "我说的是", "我要的是", "我要找的是", "我想找的是", "我找的是",
    "哪一个", "哪一家", "哪个", "哪家", "哪份", "哪种", "哪样", "哪里", "哪儿",  # choosing: "哪个工资高"
    "里面", "里头", "当中", "中间", "其中",  # among them: "保安里面哪个工资最高"
    "这方面", "方面", "相关",  # "有茶叶加工方面的培训吗"
    "推荐", "几个", "几份", "看下", "看一看",  # "帮我推荐几个工资高的"
    "what about", "how about", "and", "any", "anything", "with", "the", "a", "an", "is", "are", "there", "please",
    "do", "does", "i", "me", "my", "need", "to", "of", "for", "in", "at", "on", "one", "ones", "some", "show",
    "or", "those", "these", "them", "it", "only", "just", "ok", "okay", "then", "also", "have", "has", "you",
    "got", "what", "about", "s", "from", "no", "not", "wrong", "but", "mean", "meant", "left", "held", "that",
    "will", "can", "could", "would", "ll", "d", "m", "like", "town", "township", "which", "who", "whichever",
    "want", "wanna", "looking", "find", "give", "see", "let", "get",
)
_FILLER_CHARS = set("的呢吗嘛啊呀哦吧了么喃嘞噻哈咧哇嗯诶哎呗啦咯喔呐滴撒哟嘿有没得还要那这就是我想你们请问也都些点再又在多更呃额啥能可")
# A yes-no tag closing a question ("能上车不", "有车没得", "要钱不嘛") asks nothing new; 不 elsewhere negates.
_QUESTION_TAG = re.compile(r"(?:不|没|没得|没有|不嘛|没嘛)[\s?？!！。.~～]*$")
# A topic's own nouns are not new content within it ("双福镇的活呢" continues a job search; 车 would not).
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    Topic.JOBS: ("工作", "岗位", "活路", "活儿", "活", "事做", "事情", "招工", "招人", "工厂", "厂", "公司", "单位", "老板",
                 "work", "jobs", "job", "positions", "factory", "factories", "company", "companies", "employer",
                 "employers", "boss"),
    Topic.TRAINING: ("培训班", "培训", "课程", "上课", "开课", "开班", "学习", "开始", "班", "课", "学", "教人", "教", "training",
                     "course", "courses", "class", "classes", "lesson", "lessons", "learn", "learning", "start",
                     "starts"),
    Topic.BUS: ("专车", "班车", "大巴", "汽车", "车次", "车", "趟", "出发", "发车", "走", "bus", "buses", "coach", "leave"),
    Topic.POLICY: ("政策", "补贴", "policy", "subsidy"),
}
# Nouns of a topic that an entity also takes (零工 is the job attribute 临时): named, they still make a whole question.
TOPIC_NOUNS_IN_ENTITIES: dict[str, tuple[str, ...]] = {
    Topic.JOBS: ("零工", "临时工", "小时工", "短工", "长期工", "正式工", "兼职"),
}
_LATIN_WORD = re.compile(r"[a-z]+")
# Marks of an elliptical follow-up: "符溪镇的呢" / "那双福镇的活" / "what about …", "and tomorrow's?".
_FOLLOW_UP = re.compile(r"[呢喃嘞咧哩][\s?？!！。.~～]*$|^\s*那(?![个条家项趟班])|^\s*(?:what about|how about|and)\b")


@dataclass(frozen=True)
class Shown:
    """The list a person was shown: item ids in the order numbered, and how many of them they have seen."""

    kind: str  # the topic the items belong to
    items: tuple[int | str, ...]  # posting, course or departure ids; policy keys
    seen: int  # numbers 1..seen name an item
    page_start: int = 0  # 0-based index of the first item of the page shown last

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "items": list(self.items), "seen": self.seen, "page_start": self.page_start}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Shown:
        items = tuple(v for v in data.get("items") or () if isinstance(v, int | str))
        seen = min(max(int(data.get("seen") or 0), 0), len(items))
        return cls(str(data.get("kind") or ""), items, seen, min(max(int(data.get("page_start") or 0), 0), seen))


@dataclass(frozen=True)
class Context:
    """What the conversation in one chat is about."""

    topic: str
    criteria: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # last used
    shown: Shown | None = None
    focus: int | str | None = None  # the item last looked at in detail
    previous: dict[str, Any] | None = None  # criteria before the last refinement ("不是这个" goes back)

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic, "criteria": self.criteria, "at": self.at.isoformat() if self.at else None,
            "shown": self.shown.to_dict() if self.shown else None, "focus": self.focus, "previous": self.previous,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Context | None:
        """A context saved by `to_dict`; None when it is not one (an older or damaged value)."""
        try:
            topic = Topic(data["topic"])
            at = datetime.fromisoformat(data["at"]) if data.get("at") else None
            shown = Shown.from_dict(data["shown"]) if isinstance(data.get("shown"), Mapping) else None
        except (KeyError, TypeError, ValueError):
            return None
        criteria = data.get("criteria") if isinstance(data.get("criteria"), dict) else {}
        previous = data.get("previous") if isinstance(data.get("previous"), dict) else None
        focus = data.get("focus") if isinstance(data.get("focus"), int | str) else None
        return cls(topic, dict(criteria), at, shown, focus, previous)


def read_context(stored: Mapping[str, Any] | None, chat: str, now: datetime, minutes: int) -> Context | None:
    """The context of `chat` from the state row's value, unless it is older than `minutes`."""
    if not isinstance(stored, Mapping) or not isinstance(stored.get(chat), Mapping):
        return None
    context = Context.from_dict(stored[chat])
    if context is None or context.at is None or now - context.at > timedelta(minutes=minutes):
        return None
    return context


def store_context(stored: Mapping[str, Any] | None, chat: str, context: Context | None) -> dict[str, Any]:
    """The state row's new value: this chat's context replaced (or dropped), the other chats' newest kept."""
    others = {k: v for k, v in (stored or {}).items() if k != chat and isinstance(v, Mapping)}
    kept = sorted(others.items(), key=lambda item: str(item[1].get("at") or ""), reverse=True)[: MAX_CHATS - 1]
    result = dict(kept)
    if context is not None:
        result[chat] = context.to_dict()
    return result


# --- reading a message --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """What a message does: the move, what it is handled as, and what it refers to or changes."""

    move: Move
    intent: str  # what the turn counts as (a follow-up of a job search is "job_search")
    topic: str | None = None
    criteria: dict[str, Any] | None = None  # REFINE / UNDO: the criteria to answer with; ASK: which items shown
    changed: tuple[str, ...] = ()  # REFINE: the kinds of slot the message changed
    item: int | str | None = None  # REFER / ASK: the item meant (ASK without one: the page shown)
    number: int | None = None  # REFER: its number in the list
    act: bool = False  # REFER: apply / enrol / book rather than show details
    attribute: str | None = None  # ASK: what is asked about
    problem: str | None = None  # REFER that cannot be resolved: "no_list", "out_of_range", "which"

    @property
    def follows_up(self) -> bool:
        return self.move is not Move.NEW


def _outside(text: str, entities: Iterable[Any]) -> str:
    """The normalised text with the entities' spans cut out."""
    spans = sorted((max(int(e.start), 0), max(int(e.end), 0)) for e in entities)
    kept, position = [], 0
    for start, end in spans:
        if start > position:
            kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return " ".join(normalise(" ".join(kept)).text.split())


def residual(text: str, entities: Iterable[Any], topic: str | None = None) -> str:
    """What a message says besides its entities, particles, fillers and the topic's own nouns ("" = nothing)."""
    rest = _QUESTION_TAG.sub("", _outside(text, entities))
    words = [*(TOPIC_WORDS.get(topic, ()) if topic else ()), *_FILLER_WORDS]
    latin = {w for w in words if w.isascii()}
    rest = _LATIN_WORD.sub(lambda m: " " if m.group(0) in latin else m.group(0), rest)
    for word in sorted((w for w in words if not w.isascii()), key=len, reverse=True):
        rest = rest.replace(word, " ")
    return "".join(ch for ch in rest if ch.isalnum() and ch not in _FILLER_CHARS)


def asks_afresh(text: str, entities: Iterable[Any], topic: str) -> bool:
    """A whole question of the topic's own ("有没有工厂的活", "去宁波的车有吗"): it names the topic's noun and has
    no mark of a follow-up (…呢, 那…, "what about …"), so it replaces the last question instead of refining it."""
    said = normalise(text).text
    if _FOLLOW_UP.search(said):
        return False
    if any(noun in said for noun in TOPIC_NOUNS_IN_ENTITIES.get(topic, ())):
        return True
    rest = _outside(text, entities)
    words = TOPIC_WORDS.get(topic, ())
    latin = set(_LATIN_WORD.findall(rest))
    return any(word in latin if word.isascii() else word in rest for word in words)


def _values(entities: Sequence[Any], kind: str) -> list[Any]:
    return [e.value for e in entities if e.entity == kind]


def _applicable(entity: Any, topic: str) -> bool:
    """Whether an entity is a slot (or cue value) the topic takes."""
    if entity.entity not in SLOTS.get(topic, ()):
        return False
    if entity.entity == "order":
        return entity.value in ORDERS.get(topic, ())
    return True


def refine(topic: str, criteria: Mapping[str, Any], entities: Sequence[Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The topic's criteria with the slots the entities name put in, and which kinds changed."""
    slots = [e for e in entities if _applicable(e, topic)]
    changed = tuple(dict.fromkeys(e.entity for e in slots))
    if topic == Topic.JOBS:
        return SearchCriteria.from_dict(dict(criteria)).refined(slots).to_dict(), changed
    result = dict(criteria)
    if topic == Topic.TRAINING and {"training", "job_category"} & set(changed):
        # A course named by its topic (电焊) or by a trade (制茶) is one criterion: either replaces both.
        result.pop("training", None)
        result.pop("job_category", None)
    for kind in changed:
        values = [e.value for e in slots if e.entity == kind]
        result[kind] = values[0] if kind in ("date", "order") else list(dict.fromkeys(values))
    return result, changed


def criteria_of(topic: str, entities: Sequence[Any]) -> dict[str, Any]:
    """A new question's criteria."""
    return refine(topic, {}, entities)[0]


def point(value: int | str, context: Context) -> tuple[int | str | None, int | None, str | None]:
    """(item, number, problem) for an ordinal value against the list shown."""
    shown = context.shown
    if value == "this":
        if context.focus is not None:
            number = shown.items.index(context.focus) + 1 if shown and context.focus in shown.items else None
            return context.focus, number, None
        if shown and shown.seen == 1:
            return shown.items[0], 1, None
        return None, None, "which" if shown and shown.seen else "no_list"
    if shown is None or not shown.seen:
        return None, None, "no_list"
    number = shown.seen if value == "last" else int(value)
    if not 1 <= number <= shown.seen:
        return None, number, "out_of_range"
    return shown.items[number - 1], number, None


@dataclass(frozen=True)
class _Reference:
    """A 2号 the NLU kept as a date (one entity per span, nlu/spans.py), read as the item it also names."""

    entity: str
    value: int
    start: int
    end: int


def _ordinal(entities: Sequence[Any], context: Context | None, text: str) -> Any | None:
    """The ordinal entity that counts: a 2号 that is also a date names an item only if the list has one."""
    dates = [e for e in entities if e.entity == "date"]
    seen = context.shown.seen if context and context.shown else 0
    for entity in entities:
        if entity.entity != "ordinal":
            continue
        overlaps_date = any(d.start < entity.end and entity.start < d.end for d in dates)
        if overlaps_date and not (isinstance(entity.value, int) and entity.value <= seen):
            continue
        return entity
    for day in dates:
        surface = normalise(text[day.start : day.end]).text
        for match in find_ordinals(surface):
            whole = match.start == 0 and match.end == len(surface)
            if whole and isinstance(match.value, int) and 1 <= match.value <= seen:
                return _Reference("ordinal", match.value, day.start, day.end)
    return None


def _only_about(topic: str, text: str, entities: Sequence[Any]) -> bool:
    """Nothing but the topic's slots, cues and nouns ("钱最多的", "哪个工资高", "which job pays the most" for jobs;
    "有没得采茶的班", "any welding courses?" for training)."""
    taken = [e for e in entities if e.entity in CUES or _applicable(e, topic)]
    return {e.entity for e in entities} <= SLOTS[topic] | CUES and not residual(text, taken, topic)


def _course_question(intent: str, text: str, entities: Sequence[Any]) -> str:
    """The intent of a message naming a course and nothing but the training topic's words ("有没得采茶的班",
    "茶叶加工的课程有没有", "any tea picking courses?"): a training question (or enrolment), whatever the classifier
    made of its 有没得…的 — else the intent as it was."""
    if intent in (TOPIC_INTENT[Topic.TRAINING], ACT_INTENT[Topic.TRAINING]) or not any(
            e.entity == "training" for e in entities) or not _only_about(Topic.TRAINING, text, entities):
        return intent
    return ACT_INTENT[Topic.TRAINING] if intent in ACT_INTENTS else TOPIC_INTENT[Topic.TRAINING]


def resolve(parse: Any, context: Context | None, intent: str, *, confident: float = 0.8) -> Resolution:
    """What a message does given the conversation's context (see the module docstring for the rules).

    `intent` is the parse's intent after the fallback threshold; `confident` is the confidence at which a
    question about another topic is a new question even when it names an item ("第一个培训什么时候开始")."""
    entities = list(parse.entities)
    intent = _course_question(intent, parse.text, entities)
    ordinal = _ordinal(entities, context, parse.text)
    if ordinal is not None:  # a 2号 read as an item is not also a date
        entities = [e for e in entities if not (e.entity == "date" and e.start < ordinal.end and ordinal.start < e.end)]
    kinds = {e.entity for e in entities}
    topic = context.topic if context else None
    # Only the topic's own slots and the cues are taken out: a policy named in a job conversation is content.
    taken = [e for e in entities if e.entity in CUES or (_applicable(e, topic) if topic else e.entity in JOB_CUES)]
    elliptical = not residual(parse.text, taken, topic)
    attributes = _values(entities, "attribute")
    details = "details" in attributes
    # An act cue (订座, 报名, book), or words besides the reference and the cues with an act intent
    # ("我要报第一个": 报), make it an act; a bare "第一个" only shows details.
    act = ("act" in kinds or intent in ACT_INTENTS and not elliptical) and not details
    slots = [e for e in entities if _applicable(e, topic)] if topic else []
    if ordinal is not None and ordinal.value == "this" and (not (elliptical or act) or slots):
        # 那个… as a hesitation, 这个政策怎么… as a demonstrative, "不是这个，要制茶的" naming something else, "星期六那趟"
        # picked by its day: not a pick from the list by position.
        ordinal = None

    if context is None:
        if ordinal is not None and ordinal.value != "this" and (act or elliptical):
            return Resolution(Move.REFER, "nlu_fallback", problem="no_list")
        if kinds & JOB_CUES and intent not in INTENT_TOPIC and _only_about(Topic.JOBS, parse.text, entities):
            return Resolution(Move.NEW, "job_search")
        return Resolution(Move.NEW, intent)

    if topic == Topic.CASE:
        if intent in CASE_INTENTS and ordinal is None:
            # The open case's own request (its kind is in the context: flows/cases.py remember_case).
            asked = "human_handoff" if context.criteria.get("kind") == CaseKind.HANDOFF else "wage_arrears"
            return Resolution(Move.ADD, asked, topic, item=context.focus)
        return Resolution(Move.NEW, intent)
    if topic == Topic.BUREAU:
        # After a question about the bureau, what the NLU cannot place but reads as a follow-up ("那清明节呢",
        # "乐都镇的呢") or says only a day or a place asks the same of that day or place.
        unplaced = intent in ("nlu_fallback", "out_of_scope") or intent == "help" and parse.confidence < confident
        if unplaced and (elliptical or _FOLLOW_UP.search(parse.text)) and ordinal is None:
            return Resolution(Move.REFINE, TOPIC_INTENT[topic], topic)
        return Resolution(Move.NEW, intent)
    if INTENT_TOPIC.get(intent, topic) != topic and parse.confidence >= confident and not elliptical:
        return Resolution(Move.NEW, intent)  # a question about another topic
    asked = TOPIC_INTENT[topic]
    if topic == Topic.POLICY and context.focus is not None and (
        intent in ("nlu_fallback", "out_of_scope") or intent == "help" and (parse.confidence < confident or attributes)
    ):
        # What the NLU cannot place, right after a policy was read ("现在还能申请不", "最多能贷好多"), and a "how …"
        # the NLU takes for asking what the bot can do but that asks about an attribute ("how much can I borrow?"),
        # is asked of the knowledge base about that policy.
        intent = "policy_question"

    # 1. "不对" undoes the last refinement; "不对，要双福镇的" corrects it ("no. 2" is a reference, not a no).
    if intent == "deny" and not (ordinal is not None and ordinal.value != "this" and elliptical):
        base = context.previous if context.previous is not None else context.criteria
        if slots:
            criteria, changed = refine(topic, base, slots)
            return Resolution(Move.REFINE, asked, topic, criteria=criteria, changed=changed)
        if context.previous is not None:
            return Resolution(Move.UNDO, asked, topic, criteria=dict(context.previous))
        if context.focus is not None and context.shown and context.shown.seen > 1:
            return Resolution(Move.REFER, asked, topic, problem="which")
        return Resolution(Move.UNDO, asked, topic)  # nothing to go back to: ask them to say it again

    # 2. references to the list shown
    asked_about = [v for v in attributes if v != "details" and v in ATTRIBUTES.get(topic, ())]
    if ordinal is not None:
        item, number, problem = point(ordinal.value, context)
        if asked_about and elliptical and problem is None and not act:
            return Resolution(Move.ASK, asked, topic, item=item, number=number, attribute=asked_about[0])
        return Resolution(
            Move.REFER, ACT_INTENT[topic] if act else asked, topic, item=item, number=number, act=act, problem=problem
        )
    if act and not (kinds - CUES) and context.shown:
        # "我要报名" after a course's details: that course; after a list of one: its only item.
        item, number, problem = point("this", context)
        return Resolution(Move.REFER, ACT_INTENT[topic], topic, item=item, number=number, act=True, problem=problem)

    if not elliptical or not kinds & CUES and asks_afresh(parse.text, taken, topic):
        return Resolution(Move.NEW, intent)

    # 3. continuing the topic
    if "more" in kinds and not slots and context.shown:
        return Resolution(Move.MORE, asked, topic)
    if asked_about and not slots:
        if topic == Topic.POLICY and context.focus is None:
            return Resolution(Move.REFER, asked, topic, problem="which")  # several policies offered: which one?
        return Resolution(Move.ASK, asked, topic, item=context.focus, attribute=asked_about[0])
    if details and not slots and context.focus is not None:
        return Resolution(Move.REFER, asked, topic, item=context.focus)
    if asked_about and topic in (Topic.BUS, Topic.TRAINING):
        # "罗目能上车不", "星期六那趟要带啥子": a question about the items the slots pick out, not a new search.
        filters = refine(topic, {}, slots)[0]
        return Resolution(Move.ASK, asked, topic, criteria=filters, attribute=asked_about[0])
    if slots:
        criteria, changed = refine(topic, context.criteria, slots)
        return Resolution(Move.REFINE, asked, topic, criteria=criteria, changed=changed)
    if kinds & JOB_CUES and kinds <= SLOTS[Topic.JOBS] | CUES and intent not in INTENT_TOPIC:
        return Resolution(Move.NEW, "job_search")
    return Resolution(Move.NEW, intent)
