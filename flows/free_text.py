"""The words of a job question that no entity took: what full-text search looks for.

"有没有印染厂的活" → 印染; "绍兴的纺织厂" (绍兴 a place) → 纺织; "有没有活" → nothing. The rest of the message,
with the entities' spans cut out, is split into words (jieba) and stripped of what every question says (有没有,
的, 活, 工作 …); a generic trailing 厂/公司/店 goes when a word remains (inside the word, 纺织厂, or cut apart from
it, 物流 + 公司); a word after a negation (不要学历) is
not searched for. Words about who a person is (男的, 女工,
民族, 户口) are dropped: search never filters on them. Nor are words that compare or rank (最高, 更多, 好一点,
哪家, 排序) or speak of pay (收入, 薪酬, 赚钱): an order or a salary says those (nlu/orders.py holds the classes). A long message gives at most MAX_WORDS words.
The shelf is written in Chinese: Latin words are searched only as codes postings use (CAD, PLC, C1 — written
in capitals or with a digit), not ordinary English ("any tea picking jobs" searches no words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flows.words import cut
from nlu.orders import comparisons, is_pay_word
from storage.search_text import normalise

MAX_WORDS = 6
MAX_WORD_LENGTH = 12
# What questions say around what they ask (simplified, lower case).
STOP_WORDS = frozenset("""
有没有 有没得 有莫得 有不有 有么有 有冇 有吗 有没 没有 还有 有啥 有什么 什么 啥子 啥 哪些 哪里 哪儿 哪个 哪 那种 这种 那个 这个
一些 一点 一下 看看 请问 麻烦 帮我 给我 帮忙 推荐 介绍 找个 找份 找一个 找一份 想找 要找 找 想 要 能 可以 能不能 可不可以 会 做
干 去 来 在 到 上 下 里 我 你 他 她 它 我们 你们 他们 我想 我要 自己 的 地 得 了 吗 呢 吧 啊 呀 嘛 么 哦 哈 噻 嘞 喃 咯 哟 不 没
也 都 还 就 又 再 很 太 最 和 或者 还是 跟 与 及 个 份 些 点 工作 活 活路 活儿 事 事做 事情 岗位 职位 工 上班 打工 招工 招人 招聘 招
人 要人 缺人 找工作 求职 机会 适合 合适 方面 类 的话 多少 钱 工资 待遇 薪水 现在 最近 今天 明天 本地 附近 这边 那边 城里 一天
一个月 月 天 年 岁 周岁 以上 以下 左右 多 大概 可能 好 好的 谢谢 你好 嗯 号 行 行不行 只要 只 那 这 呗 嗯嗯 有 是 不是 么样
怎么样 怎样 如何 一个 几个 还要 需要 想要 愿意 喜欢 比较 特别 一般 多点 高点 高 低 大 小 新 老 年纪 年龄 岁数 家 屋头 回家
今年 已经 快 通知 提醒 订阅 推送 告诉 消息 不要 不用 不需要 无需 没有 不能 不会 不行 不是 能否 是否 可否
算了 算啦 不对 错了 搞错 搞错了 好吧 那就 换个 换一个 等等 没事 对了 还是算了
地方 里面 里头 外面 上面 下面 当中 中间 其中 这里 那里 这儿 那儿 老板 老板娘 企业 单位 厂家 其他 其它 别的 发布 新发
""".split())
# Who a person is: never searched for, never a filter.
NOT_A_FILTER = frozenset("""
男 女 男的 女的 男性 女性 男人 女人 男士 女士 男工 女工 男生 女生 小伙子 小伙 姑娘 大姐 大哥 阿姨 叔叔 妇女 民族 汉族 少数民族
彝族 藏族 回族 羌族 苗族 土家族 户口 户籍 本地人 外地人 农村户口 城镇户口 城市户口 籍贯 老乡 已婚 未婚 结婚
""".split())
ENGLISH_STOP = frozenset("""
a an the is are am do does any some job jobs work working position positions there here in at on of for to with
and or me my i we you please looking look find need want have has got what where which near nearby around
""".split())
GENERIC_ENDINGS = ("有限公司", "公司", "工厂", "厂", "店", "场")
NEGATIONS = frozenset("不要 不用 不需要 不需 无需 没有 不限 不想 不 没 无 别 非 除了".split())
# jieba may cut a run of stop words differently (找一份 → 找 + 一份): parts of stop words are stop words too.
_STOP_PIECES = frozenset(w[i:j] for w in STOP_WORDS for i in range(len(w)) for j in range(i + 2, len(w) + 1))
_PERSONAL = sorted((w for w in NOT_A_FILTER if len(w) > 1), key=len, reverse=True)
_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z][a-z0-9]*|\d+")
_CODES = re.compile(r"[A-Z][A-Z0-9]+|[A-Za-z]+\d[A-Za-z0-9]*")


def _outside(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The text with the spans blanked out."""
    chars = list(text)
    for start, end in spans:
        for i in range(max(start, 0), min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _trimmed(word: str) -> str:
    for ending in GENERIC_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            return word[: -len(ending)]
    return word


def search_words(text: str, spans: Iterable[tuple[int, int]] = ()) -> tuple[str, ...]:
    """The free-text words of a question whose entities cover `spans` (offsets into `text` as typed)."""
    kept = _outside(text[:2000], spans)
    codes = {normalise(code) for code in _CODES.findall(unicodedata.normalize("NFKC", kept))}
    rest = normalise(kept)
    for phrase in _PERSONAL:  # before jieba splits 城镇户口 into 城镇 + 户口
        rest = rest.replace(phrase, " ")
    words: list[str] = []
    for run in _RUNS.findall(rest):
        if run.isdigit():
            continue
        pieces = cut(run) if not run.isascii() else [run]
        compared = comparisons(pieces)
        negated = False
        for piece, comparing in zip(pieces, compared, strict=True):
            if piece in NEGATIONS:
                negated = True  # "不要学历": what is not wanted is not searched for
                continue
            if negated:
                negated = piece in STOP_WORDS
                continue
            if run.isascii():
                keep = piece in codes and piece not in ENGLISH_STOP
            else:
                keep = len(piece) >= 2 and piece not in _STOP_PIECES and piece not in NOT_A_FILTER and not (
                    comparing or is_pay_word(piece))
            if keep and piece in GENERIC_ENDINGS and words:
                continue  # 物流公司 cut as 物流 + 公司: the kind of place goes as it does inside one word (纺织厂)
            piece = _trimmed(piece)[:MAX_WORD_LENGTH]
            if keep and piece not in words and not any(piece in w for w in words):
                words.append(piece)
    return tuple(words[:MAX_WORDS])
