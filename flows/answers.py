"""Reading typed form answers (pure functions): cancel words, questions, yes/no, numbers and choices, names,
phone numbers, pay, dates, townships, provinces and job categories.

Every form step reads what a person typed through these, so a rule (what 没 means, how big a count may be,
which dates are sensible) is decided once and tested once, with property-based tests over arbitrary text.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

import cn2an
from opencc import OpenCC

from nlu.dates import parse_date as find_date
from nlu.normalise import chinese_to_int
from storage.numbers import COUNT, Bounds, read_decimal, read_id, read_int, scaled

_t2s = OpenCC("t2s")

MOBILE = re.compile(r"^1[3-9]\d{9}$")
SKIP_WORDS = frozenset({"跳过", "不限", "面议", "无所谓", "都行", "随便", "不知道", "skip", "any", "-", "无"})
TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
# Punctuation and blanks around an answer carry nothing ("好的！", "“双福镇”", "2.").
_EDGES = " \t\n\r。.!！?？,，、~～…;；:：\"'“”‘’()（）【】[]《》<>·-—_*#@"
# Sentence-final particles that do not change a short answer (好的呀, 算了吧, 是的嘛).
_PARTICLES = "啊呀吧哈嘛啦咯哦噢喔呢"


def _dropped(ch: str) -> bool:
    """Emoji, pictographs, variation selectors and control characters carry no meaning in an answer."""
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\n\t":
        return True
    return category == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF or 0xFE00 <= ord(ch) <= 0xFE0F


def _plain(text: str) -> str:
    """Full-width to half-width, traditional to simplified, emoji dropped, blanks collapsed, lower-case."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not _dropped(ch))
    return " ".join(_t2s.convert(text).split()).lower()


def plain_answer(text: str) -> str:
    """An answer as compared with word lists: `_plain` without surrounding punctuation."""
    return _plain(text).strip(_EDGES)


def _without_particles(text: str) -> str:
    return text.rstrip(_PARTICLES + _EDGES) or text


# --- leaving a form ---------------------------------------------------------------------------------------

CANCEL_WORDS = frozenset(
    {
        "取消", "算了", "不要了", "不用了", "退出", "返回", "不弄了", "不填了", "不登记了", "不办了", "不订了",
        "不报了", "不发了", "不搞了", "结束", "停止", "取消登记", "取消报名", "取消订座", "取消发送",
        "cancel", "quit", "exit", "stop", "abort",
    }
)
_CANCEL_LEAD = re.compile(r"^(?:那就|那|我|还是|先|就)+")


def is_cancel(text: str) -> bool:
    """"取消", "算了吧", "不要了！", "ＣＡＮＣＥＬ", "/cancel", "/cancel@mishu_bot": the person leaves the form."""
    plain = plain_answer(text)
    if plain.startswith("/"):
        plain = plain[1:].split("@", 1)[0].strip()
    if len(plain) > 12:
        return False
    for candidate in (plain, _without_particles(plain)):
        if candidate in CANCEL_WORDS or _CANCEL_LEAD.sub("", candidate) in CANCEL_WORDS:
            return True
    return False


# --- questions --------------------------------------------------------------------------------------------

# Words that ask: 有没有, 怎么, 哪里 … (an answer such as 什么都行 or 哪个都可以 is not a question).
_ASKING = re.compile(
    r"有没有|有没得|有木有|是不是|能不能|可不可以|可以不|要不要|会不会|行不行|好不好|对不对|有没|"
    r"怎么|怎样|咋|如何|为什么|为啥|哪里|哪儿|哪个|哪些|哪家|在哪|什么|啥|几点|几号|几时|几天|几月|"
    r"多少|多久|多远|多大|谁"
)
_ANY_AT_ALL = re.compile(r"(?:什么|啥子?|哪个|哪里|哪儿|谁|多少|几[点号天]?)(?:都|也)")
_ASKING_END = re.compile(r"(?:吗|么|呢|不|没|没有|没得|否)$")
_ENGLISH_QUESTION = re.compile(
    r"^(?:what|where|when|how|why|which|who|whom|is there|are there|do you|does|can i|can you|could|"
    r"is it|are you|any)\b"
)


def looks_like_question(text: str) -> bool:
    """A message that plainly asks something (有没有采茶的工作, 包车几点走？, where is the bus?), as opposed to
    an answer. Pure wording, no model: the NLU's intent is the other half of the decision."""
    plain = _plain(text).strip(" \t\n")
    if not plain:
        return False
    if plain.endswith("?"):
        return True
    bare = plain.strip(_EDGES)
    if len(bare) >= 2 and _ASKING_END.search(bare) and bare not in _NO and bare not in _YES:
        return True
    if _ENGLISH_QUESTION.match(bare):
        return True
    return bool(_ASKING.search(_ANY_AT_ALL.sub("", bare)))


# --- yes and no -------------------------------------------------------------------------------------------

_YES = frozenset(
    {
        "是", "是的", "是啊", "对", "对的", "对头", "有", "有的", "嗯", "嗯嗯", "恩", "好", "好的", "好滴", "行",
        "可以", "可以的", "同意", "我同意", "没问题", "没得问题", "没事", "没关系", "确认", "确定", "要", "要的",
        "要得", "得行", "中", "当然", "愿意", "对对", "是滴", "ok", "okay", "yes", "y", "yep", "yeah", "sure",
        "agree", "i agree", "confirm", "right", "correct",
    }
)
_NO = frozenset(
    {
        "不", "不是", "不对", "否", "没有", "没", "没得", "莫得", "莫有", "不行", "不要", "不用", "不同意", "不好",
        "不可以", "别", "不得行", "不去", "不想", "拒绝", "不愿意", "没有的", "不是的", "no", "n", "nope", "not",
        "decline", "disagree", "never",
    }
)
_CLAUSES = re.compile(r"[,，。.!！;；、\s]+")


def parse_yes_no(text: str) -> bool | None:
    """True for 是/对/有/嗯/好的/没问题/ok, False for 不/否/没有/不是/no, None when the message is neither
    (没听懂, 有没有座位？, or a sentence that says something else). Only the first clause decides
    ("是的，我同意" is yes; "不，我不同意" is no)."""
    plain = plain_answer(text)
    if not plain or looks_like_question(text):
        return None
    first = _CLAUSES.split(plain, maxsplit=1)[0]
    for candidate in (first, _without_particles(first)):
        if candidate in _YES:
            return True
        if candidate in _NO:
            return False
    return None


# --- numbers, counts and choices --------------------------------------------------------------------------

MAX_DIGITS = 9  # nobody types a count, a choice or a pay of more than nine digits; more is not a number
_SMALL = Bounds(0, 10**MAX_DIGITS - 1)
_COUNT_LEAD = re.compile(r"^(?:帮我|给我|我们|我|一共|总共|共|就|要|订|定|报|来|选|只要)+")
_COUNT_TAIL = re.compile(r"(?:个座位|个位子|个人|个位|座位|位子|张票|个|位|人|张|座|名|份|号|项|条|吧|就行|就够了|够了)+$")
_ORDINAL_LEAD = re.compile(r"^(?:选|要|就|我选|我要|选择|第)+")


def _small_number(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return read_int(text, _SMALL)
    if text and all(ch in "零〇一二两三四五六七八九十百千万" for ch in text) and len(text) <= MAX_DIGITS:
        if len(text) > 1 and not any(ch in "十百千万" for ch in text):
            return None  # 两三 is "two or three", not 23
        return chinese_to_int(text)
    return None


# Record ids are INTEGER columns: anything beyond 2**31 - 1 names no record (and PostgreSQL refuses it).
MAX_RECORD_ID = 2**31 - 1


def parse_record_id(text: str) -> int | None:
    """A record number typed after a command ("/apply 12"): digits (half or full width) within the id range,
    else None ("²" is a digit to Python but no number; 99999999999999999999 overflows every id column).
    The reading is storage.numbers.read_id, the one reader of typed numbers."""
    return read_id(text)


_NEGATIVE = re.compile(r"^\s*[-−－—]\s*\d|^\s*负")


def parse_count(text: str) -> int | None:
    """How many (seats, people): "2", "两个", "2个人", "我们三个", "订两张"; None when it is not a count."""
    if _NEGATIVE.match(text):
        return None
    plain = plain_answer(text).replace(" ", "")
    core = _COUNT_TAIL.sub("", _COUNT_LEAD.sub("", plain))
    return _small_number(core)


def parse_ordinal(text: str) -> int | None:
    """Which one, counted from 1: "1", "第一个", "2号", "选3", "①"; None when it is not a position."""
    if _NEGATIVE.match(text):
        return None
    plain = plain_answer(text).replace(" ", "")
    core = _COUNT_TAIL.sub("", _ORDINAL_LEAD.sub("", plain))
    return _small_number(core)


def _label_key(label: str) -> str:
    return plain_answer(label.replace("✓", "").replace("✅", ""))


def match_choice(text: str, labels: Sequence[str]) -> int | None:
    """The index of the choice a typed answer means: its number ("2", "第二个") or its label, whole or a
    distinctive part of it ("双福" for 双福镇, "省外" for 从省外返乡); None when it names none or several."""
    if not labels or _NEGATIVE.match(text):
        return None
    number = parse_ordinal(text)
    if number is not None:
        return number - 1 if 1 <= number <= len(labels) else None
    typed = plain_answer(text)
    if not typed:
        return None
    keys = [_label_key(label) for label in labels]
    exact = [i for i, key in enumerate(keys) if key == typed]
    if len(exact) == 1:
        return exact[0]
    if len(typed) < 2:
        return None
    partial = [i for i, key in enumerate(keys) if key.startswith(typed) or typed in key]
    return partial[0] if len(partial) == 1 else None


# --- names and places -------------------------------------------------------------------------------------

_NAME_INTRO = re.compile(
    r"^(?:我的名字叫|我的名字是|我的姓名是|我名字叫|名字叫|名字是|姓名是|姓名|名字|我叫|我是|叫我|本人|"
    r"他叫|她叫|他是|她是|他的名字叫|她的名字叫|my name is\b|i am\b|i'm\b|name\b)\s*[:：]?\s*",
    re.IGNORECASE,
)
_DOTS = re.compile(r"[·•‧・･.．]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ffff]")
# Characters and words that make a message a sentence rather than a name (我要登记, 好的, 不知道).
_SENTENCE_CHARS = frozenset("我你您吗呢吧啊呀嘛了的么哦呃嗯啥咋谁")
_SENTENCE_WORDS = (
    "登记", "工作", "报名", "岗位", "培训", "政策", "名字", "姓名", "不知道", "可以", "好的", "你好", "谢谢",
    "什么", "怎么", "没有", "不要", "不想", "找", "请问", "手机", "电话", "号码", "帮忙", "取消", "同意",
    "是的", "对的", "不是", "需要", "招聘", "活路", "包车", "补贴", "人工", "客服", "秘书",
)
_ENGLISH_WORDS = frozenset(
    {
        "i", "me", "my", "you", "want", "to", "the", "a", "an", "register", "job", "jobs", "help", "hello", "hi",
        "yes", "no", "ok", "okay", "what", "how", "where", "is", "are", "name", "cancel", "thanks", "thank",
        "please", "work", "bus", "training", "test", "skip", "stop", "quit", "hey", "none", "null", "admin",
    }
)


def _name_like(text: str, lowest: int, highest: int, not_names: Iterable[str]) -> str | None:
    """Words made of letters only (Chinese, or Latin words), of a sensible length, that are not a sentence,
    an answer word or a known other thing; tidied (one blank between Latin words, none between Chinese)."""
    value = unicodedata.normalize("NFKC", text).strip().strip(_EDGES.replace("·", ""))
    value = " ".join(value.split())
    if not value or any(_dropped(ch) for ch in value):
        return None
    value = _DOTS.sub("·", value).strip("·")
    cjk = bool(_CJK.search(value))
    for ch in value:
        if ch in " ·'-":
            continue
        if _CJK.match(ch):
            continue
        if ch.isascii() and ch.isalpha():
            continue
        if not ch.isascii() and ch.isalpha() and ord(ch) < 0x250:  # accented Latin letters: José, Zoë
            continue
        return None
    if cjk:
        if any(ch.isascii() and ch.isalpha() for ch in value):
            return None  # 王a, 采茶job: not one name
        value = value.replace(" ", "")
        simplified = _t2s.convert(value)
        if any(ch in _SENTENCE_CHARS for ch in simplified) or any(w in simplified for w in _SENTENCE_WORDS):
            return None
    else:
        words = value.lower().replace("·", " ").split()
        if len(words) > 5 or any(w in _ENGLISH_WORDS for w in words):
            return None
    letters = sum(1 for ch in value if ch not in " ·'-")
    if not lowest <= letters <= highest or len(value) > highest + 6:
        return None
    key = plain_answer(value)
    others = {plain_answer(name) for name in not_names}
    if key in others or key in _YES or key in _NO or key in SKIP_WORDS or is_cancel(key):
        return None
    return value


def parse_person_name(text: str, not_names: Iterable[str] = ()) -> str | None:
    """A person's name: 2–20 letters (Chinese characters, Latin letters, the middle dot of 阿依古丽·买买提),
    with "我叫" / "我是" / "名字：" taken off; None for a number, an emoji, a sentence (我要登记), an answer
    word (好的) or anything in `not_names` (job categories, townships)."""
    value = _NAME_INTRO.sub("", " ".join(unicodedata.normalize("NFKC", text).split()), count=1)
    return _name_like(_without_particles(value), 2, 20, not_names)


def parse_place_name(text: str, not_names: Iterable[str] = ()) -> str | None:
    """A village or community typed by name (张山村, 新桥社区): 2–32 letters, not a sentence, not a number."""
    return _name_like(text, 2, 32, not_names)


def parse_org_name(text: str) -> str | None:
    """An employer's or organisation's name (峨眉山云尖茶业有限公司, 绍兴华联纺织, Foxconn): 2–60 characters with
    at least two letters; None for a bare number, emoji, an answer word (好的) or a cancel word."""
    value = " ".join("".join(ch for ch in unicodedata.normalize("NFKC", text) if not _dropped(ch)).split())
    value = value.strip(_EDGES)
    letters = sum(1 for ch in value if _CJK.match(ch) or ch.isalpha())
    key = plain_answer(value)
    if letters < 2 or len(value) > 60 or key in _YES or key in _NO or key in SKIP_WORDS or is_cancel(key):
        return None
    return value


# Provincial-level divisions (short names; the full name's suffix is taken off before comparing).
PROVINCES_OF_CHINA = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏",
    "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)
_PROVINCE_SUFFIX = re.compile(r"(?:维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市)$")


def parse_province(text: str) -> str | None:
    """A province's short name from "广东", "广东省", "廣東", "从广东回来的"; None when none is named."""
    plain = plain_answer(text)
    short = _PROVINCE_SUFFIX.sub("", plain)
    if short in PROVINCES_OF_CHINA:
        return short
    named = [name for name in PROVINCES_OF_CHINA if name in plain]
    return named[0] if len(named) == 1 else None


# --- phone, pay, dates --------------------------------------------------------------------------------------


_ANYTHING_GOES = re.compile(r"^(?:我)?(?:什么|啥子?|哪个|哪样|随便|都)?(?:都|也)?(?:行|可以|好|成|要得|得行|无所谓)(?:的)?$")


def is_skip(text: str) -> bool:
    """"跳过", "不限", "随便", "什么都行", "啥子都可以": no preference (an emoji or a bare "好" is not)."""
    plain = _without_particles(plain_answer(text))
    if plain in SKIP_WORDS:
        return True
    return ("都" in plain or "随便" in plain or "无所谓" in plain) and bool(_ANYTHING_GOES.match(plain))


def normalise_phone(text: str) -> str | None:
    """A mainland mobile number as 11 digits, accepting +86, 0086, spaces, dashes and brackets; else None."""
    digits = re.sub(r"[\s\-()（）.]", "", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
            break
    return digits if MOBILE.match(digits) else None


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*([千kK万w]?)|([零〇一二两三四五六七八九十百千万点]+)")
_TYPED_AMOUNT = Bounds(0, 10**MAX_DIGITS - 1)  # digits as typed, before 千/万
PAY_RANGE = (500, 100_000)


# A day rate ("一天150", tea picking is paid by the day) counts 26 working days a month; an hourly one 8 hours a day.
WORKING_DAYS_PER_MONTH = 26
_PER_DAY = re.compile(r"一天|每天|天|日薪|日结|per day|a day|daily|/day")
_PER_HOUR = re.compile(r"小时|时薪|per hour|an hour|hourly|/h")


def parse_monthly_pay(text: str) -> int | None:
    """Monthly pay from "3000", "3千", "三千五", "3k", "5000以上", "一万", and day or hour rates ("一天150" is
    150 × 26); None when there is no amount (or one no pay can be: more digits than any wage has)."""
    plain = _plain(text)
    hourly, daily = _PER_HOUR.search(plain), _PER_DAY.search(plain)
    amount = _amount(_PER_DAY.sub(" ", _PER_HOUR.sub(" ", plain)))
    if amount is None:
        return None
    if hourly:
        amount *= 8 * WORKING_DAYS_PER_MONTH
    elif daily:
        amount *= WORKING_DAYS_PER_MONTH
    return amount if amount in COUNT else None  # it goes into an INTEGER column


def _amount(plain: str) -> int | None:
    plain = plain.replace(",", "")
    match = _AMOUNT.search(plain)
    if match is None:
        return None
    factor = {"千": 1000, "k": 1000, "万": 10000, "w": 10000}.get(match.group(2) or "", 1)
    if match.group(1):
        value = read_decimal(match.group(1), _TYPED_AMOUNT)
        return scaled(value, factor, COUNT) if value is not None else None
    if len(match.group(3)) > MAX_DIGITS:
        return None
    try:
        spoken = cn2an.cn2an(match.group(3), "smart")
    except (ValueError, KeyError, TypeError, IndexError, OverflowError):
        return None
    value = read_decimal(str(spoken), COUNT) if isinstance(spoken, int | float) and math.isfinite(spoken) else None
    return scaled(value, 1, COUNT) if value is not None else None


def pay_in_range(amount: int) -> bool:
    return PAY_RANGE[0] <= amount <= PAY_RANGE[1]


_ISO = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$")
_MONTH_DAY = re.compile(r"^(\d{1,2}|[一二三四五六七八九十]+)(?:月|/|\.|-)(\d{1,2}|[一二三四五六七八九十]+)[日号]?$")


def _number(text: str) -> int:
    """A month or day number typed in digits (half or full width) or Chinese numerals; 0 when it is neither."""
    typed = read_int(text)
    if typed is not None:
        return typed
    try:
        return int(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, OverflowError):
        return 0


def parse_date(text: str, today: date) -> date | None:
    """A date from 今天/明天/后天/下周/下个月, 2026-03-10, 3月10号, 3/10, and whatever the NLU's date reader
    knows (周五, 正月初八, 元宵节后); None when it is not a date."""
    plain = _plain(text).strip("。.!！ ")
    words = {
        "今天": 0, "现在": 0, "马上": 0, "随时": 0, "today": 0, "now": 0,
        "明天": 1, "tomorrow": 1, "后天": 2,
    }
    if plain in words:
        return today + timedelta(days=words[plain])
    if plain in ("下周", "下星期", "下礼拜", "next week"):
        return today + timedelta(days=7 - today.weekday())
    if plain in ("下个月", "下月", "next month"):
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return date(year, month, 1)
    try:
        match = _ISO.match(plain)
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        match = _MONTH_DAY.match(plain)
        if match:
            month, day = _number(match.group(1)), _number(match.group(2))
            if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(today.year, month)[1]:
                return None
            found = date(today.year, month, day)
            # "3月1号" typed in December means next year's March.
            return found if found >= today - timedelta(days=31) else date(today.year + 1, month, day)
    except (ValueError, OverflowError):
        return None
    try:
        found = find_date(text, today)
        return date.fromisoformat(found) if found else None
    except (ValueError, OverflowError):
        return None


# Dates a person means: at most a year back (when something happened), at most two years ahead (a start date).
DATE_PAST = timedelta(days=366)
DATE_FUTURE = timedelta(days=2 * 366)


def date_in_window(found: date, today: date, *, past: timedelta = DATE_PAST, future: timedelta = DATE_FUTURE) -> bool:
    """True when `found` is a sensible date to type today: not before today - `past`, not after today + `future`."""
    return today - past <= found <= today + future


# --- vocabularies -------------------------------------------------------------------------------------------


def match_name(text: str, names: Iterable[str], suffixes: tuple[str, ...] = ()) -> str | None:
    """The canonical name typed, also without its suffix ("双福" → 双福镇) or in traditional script."""
    plain = plain_answer(text)
    names = list(names)
    if not plain:
        return None
    for name in names:
        if plain == name.lower():
            return name
    for name in names:
        stem = name
        for suffix in suffixes:
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
        if plain == stem.lower() or (len(plain) >= 2 and name.startswith(plain)):
            return name
    return None


def match_categories(text: str, categories: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    """(canonical categories, pieces not understood) from a typed list like "采茶、进厂 和 保安"."""
    aliases = {alias.lower(): name for name, names in categories.items() for alias in [name, *names]}
    found: list[str] = []
    unknown: list[str] = []
    for piece in re.split(r"[、,，;；/\s]+|和|或者|或|还有", _plain(text)):
        piece = piece.strip(_EDGES)
        if not piece:
            continue
        name = aliases.get(piece)
        if name is None:
            name = next((canon for alias, canon in sorted(aliases.items(), key=lambda a: -len(a[0]))
                         if len(alias) >= 2 and alias in piece), None)
        if name is None:
            unknown.append(piece)
        elif name not in found:
            found.append(name)
    return found, unknown


def parse_ordinals(text: str, count: int) -> list[int] | None:
    """Several positions typed at once ("1 3", "1、3、5", "2和4"), each 1..count; None unless all are."""
    pieces = [p for p in re.split(r"[、,，;；/\s]+|和|还有", plain_answer(text)) if p]
    if not pieces:
        return None
    numbers = [parse_ordinal(piece) for piece in pieces]
    if any(n is None or not 1 <= n <= count for n in numbers):
        return None
    return list(dict.fromkeys(n for n in numbers if n is not None))
