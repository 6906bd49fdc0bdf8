"""Whether a name found in a message is meant as an entity, and as which kind: the words next to it and the intent.

电工 in 我是电工 is a trade, in 电工培训 a course; 开车 in 我会开车 is a job, in 几点开车 a bus leaving; 快递 in
快递招人吗 is work, in 我的快递到了没 a parcel. Three rules, in order:

1. A cue next to the name names its kind (学/培训/班 for a training, 找/当/招/的活 for a job, 在/去/镇/附近 for a
   place, 补贴/政策 for a policy). A job name right before 培训/班/课 ("courses") names the course of that trade,
   not a job; so does one after 学/教 in a question about training (想学茶叶加工).
2. A name that can only be a training is not one outside the training intents without a cue (a `training`
   name in a job search is not a training). An everyday word listed as ambiguous for its kind needs a cue, or
   a message about that kind (for a job: a message about work that is little else than the word).
3. Otherwise the intent decides between kinds, from how annotators used the name (the caller's `choose`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from nlu.orders import PAY_NOUNS

# Cues read the normalised text (simplified, lower case, numerals as digits) right before and after the name.
_BEFORE: dict[str, str] = {
    "training": r"(?:学|学习|教|教人|教我|培训|考|学门|学个|学点|\blearn|\blearning|\bstudy|\bstudying"
                r"|\b(?:courses?|class(?:es)?|training|lessons?)\s+(?:for|in|on|about))\s*$",
    "job_category": r"(?:找|当|做|干|招|聘|应聘|会|学会了|我是|搞|跑|送|当过|做过|干过|改成|换成|改为)\s*"
                    r"(?:个|份|名|一个|一份|点)?\s*$",
    "location": r"(?:在|去|到|住|回|从|离|来|是|往|近)\s*$",
    "policy": r"(?:申请|领|办|拿|享受|有没有|有没得)\s*$",
}
_AFTER: dict[str, str] = {
    "training": r"^\s*(?:方面|相关)?\s*的?\s*(?:培训|班|课|技术|技能|证书?|手艺)|^\s*(?:courses?|class(?:es)?|training|lessons?)\b",
    "job_category": r"^\s*(?:场|厂|公司|店)?\s*(?:(?:的|里|上|方面的?)\s*)?(?:还|也|都|有|哪个|哪家|哪里)?\s*(?:活|工作|"
                    r"岗位|职位|工人|师傅|招|要人|缺人|公司|厂|这行|行业|要不要|有没有|有没得|一个月|一天|"
                    + "|".join(sorted(PAY_NOUNS, key=len, reverse=True)) + r"|上班|干活|做事|打工)"
                    r"|^\s*的\s*(?:吗|嘛|呢|有没有|有没得)|^\s*我?\s*(?:也|都)?会",
    "location": r"^\s*(?:镇|乡|村|市|县|区|那边|这边|那头|附近|本地|一带|周边|城|的活|的工作|的岗位|打工|上班|的车)",
    "policy": r"^\s*的?\s*(?:补贴|补助|政策|待遇|标准|怎么申请|申请|怎么领|领取|条件)",
}
# A job name followed by one of these names the course of that trade (采茶的培训, 保安培训, 开车的班, welding courses).
_COURSE_AFTER = re.compile(r"^\s*(?:方面|相关)?\s*的?\s*(?:培训|班|课)|^\s*(?:courses?|class(?:es)?|training|lessons?)\b")
# 学 after 是 says what the worker learnt (我是学电焊的), not a course wanted.
_STUDIED = re.compile(r"是\s*学\s*$")
_BEFORE_RE = {kind: re.compile(p) for kind, p in _BEFORE.items()}
_AFTER_RE = {kind: re.compile(p) for kind, p in _AFTER.items()}
# Characters looked at on each side (cues are anchored at the name, so a wider window only gives English cues
# room: "learning tea picking", "tea picking courses").
REACH = 12

# The intents in which a kind of entity is the subject (a bare ambiguous word counts only there).
HOME_INTENTS: dict[str, tuple[str, ...]] = {
    "job_category": ("job_search", "job_apply", "register", "update_profile", "report_employed", "subscribe"),
    "location": ("job_search", "job_apply", "register", "update_profile", "report_employed", "subscribe",
                 "transport_question"),
    "training": ("training_question", "training_enroll"),
    "policy": ("policy_question",),
}


def has_cue(text: str, start: int, end: int, kind: str) -> bool:
    """Whether the words right before or after text[start:end] say it is of this kind."""
    before, after = _BEFORE_RE.get(kind), _AFTER_RE.get(kind)
    return bool(before and before.search(text[max(0, start - REACH):start])
                or after and after.search(text[end:end + REACH]))


def _little_else(text: str, start: int, end: int) -> bool:
    letters = sum(ch.isalnum() for ch in text)
    return letters > 0 and sum(ch.isalnum() for ch in text[start:end]) >= 0.7 * letters


@dataclass(frozen=True)
class Senses:
    """The sense rules for one gazetteer: which names are everyday words, for which kind."""

    ambiguous: Mapping[str, frozenset[str]] = field(default_factory=dict)  # kind → names needing a cue
    # Kinds whose ambiguous words need a cue even in their own intents, unless the message is little else:
    # job_search is where most misread messages land (我想点外卖, 到厨房看看, 峨眉山门票多少钱).
    cue_at_home: frozenset[str] = frozenset({"job_category"})
    home_intents: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(HOME_INTENTS))

    @classmethod
    def from_config(cls, ambiguous: Mapping[str, Iterable[str]], normalise: Callable[[str], str],
                    cue_at_home: Iterable[str] = ("job_category",)) -> Senses:
        return cls({kind: frozenset(normalise(n) for n in names) for kind, names in ambiguous.items()},
                   frozenset(cue_at_home))

    def kind(self, text: str, start: int, end: int, options: list[str], intent: str | None,
             choose: Callable[[list[str]], str]) -> str | None:
        """The kind of the name at text[start:end] (one of `options`), or None when it is not an entity here."""
        surface = text[start:end]
        cued = [k for k in options if has_cue(text, start, end, k)]
        before = text[max(0, start - REACH):start]
        learning = bool(_BEFORE_RE["training"].search(before)) and not _STUDIED.search(before)
        if options == ["job_category"] and (_COURSE_AFTER.search(text[end:end + REACH]) or learning):
            # 采茶的培训, 茶叶加工的班, 想学茶叶加工, "tea picking courses": the course of that trade, valued by the
            # course topic sharing a name with the trade (EntitySynonymMapper).
            return "training"
        if "training" in cued:
            # 电焊培训 and 想学电焊 are a course wherever they are said; 学电焊 is one in a question about training,
            # but in 我是学电焊的 asked in a job search it is the trade the worker learnt.
            if _AFTER_RE["training"].search(text[end:end + REACH]) or intent in self.home_intents["training"] \
                    or options == ["training"] or learning:
                return "training"
            cued.remove("training")
        if len(cued) == 1:
            kind = cued[0]
        else:
            candidates = cued or options
            kind = candidates[0] if len(candidates) == 1 else choose(candidates)
        if kind in cued:
            return kind
        home = self.home_intents.get(kind, ())
        if kind == "training" and intent not in home:
            others = [k for k in options if k != "training"]
            return self.kind(text, start, end, others, intent, choose) if others else None
        if surface in self.ambiguous.get(kind, ()) and not (
                intent in home and (kind not in self.cue_at_home or _little_else(text, start, end))):
            return None
        return kind
