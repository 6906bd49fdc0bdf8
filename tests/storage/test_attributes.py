"""The attribute vocabulary and the posting-text reader, as postings are written; search tokens and their ranges."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage import search_text
from storage.attributes import ATTRIBUTES, BY_NAME, age_limits, expand, mask_of, names_of, read_posting
from storage.posting_index import derive

# How postings say each attribute (several ways), and how they say its absence.
SAID = {
    "日结": ["日结", "工资日结", "当天结算", "一天一结"],
    "周结": ["周结", "一周一结"],
    "月结": ["工资月结", "按月发放"],
    "计件": ["计件", "按件计酬", "鲜叶按斤计"],
    "包住": ["包住", "免费住宿", "提供宿舍", "住宿免费"],
    "包吃": ["包午饭", "提供工作餐", "管饭", "包三餐"],
    "五险": ["购买五险", "缴纳社保"],
    "五险一金": ["五险一金"],
    "长期": ["长期稳定", "签劳动合同"],
    "临时": ["临时工", "短期用工", "零工"],
    "季节性": ["茶季用工", "旺季招聘"],
    "白班": ["长白班", "不上夜班"],
    "夜班": ["需上夜班", "夜班补贴"],
    "两班倒": ["两班倒", "三班倒", "能适应倒班"],
    "无需经验": ["无经验可培训", "零基础", "新手可带学徒"],
    "接送": ["班车接送", "报销车费"],
    "夫妻房": ["夫妻房"],
}
NOT_SAID = {"包住": ["不包住", "不提供住宿", "住宿自理"], "包吃": ["不包吃", "吃饭自理"], "五险": ["无社保"],
            "夜班": ["无夜班", "不上夜班"], "日结": ["不日结"]}
FILLER = st.text(alphabet="招聘工人岗位要求身体健康能吃苦肯干工资待遇面议地点峨眉山市双福镇，。；、 ", max_size=30)
_READ = settings(max_examples=150, deadline=None)


class TestPostingText:
    @_READ
    @given(data=st.data(), before=FILLER, after=FILLER)
    def test_an_attribute_said_is_read(self, data: st.DataObject, before: str, after: str) -> None:
        name = data.draw(st.sampled_from(sorted(SAID)))
        phrase = data.draw(st.sampled_from(SAID[name]))
        found = read_posting(f"{before}，{phrase}，{after}").names
        assert name in found, (phrase, found)

    @pytest.mark.parametrize(("name", "phrase"), [(n, p) for n, ps in NOT_SAID.items() for p in ps])
    def test_an_attribute_denied_is_not_read(self, name: str, phrase: str) -> None:
        assert name not in read_posting(f"招聘普工，{phrase}，工资面议").names

    def test_board_and_lodging_is_both(self) -> None:
        assert {"包住", "包吃"} <= read_posting("包吃住").names
        assert names_of(mask_of(["包吃住", "日结"])) == ["日结", "包吃住"]

    def test_piece_rate_and_season_from_the_columns(self) -> None:
        assert {"计件", "季节性"} <= read_posting("采茶工", salary_unit="piece", seasonal=True).names

    @_READ
    @given(low=st.integers(16, 60), span=st.integers(0, 20), form=st.sampled_from(
        ["年龄{0}-{1}岁", "{0}至{1}周岁", "年龄要求{0}～{1}岁", "年龄：{0}-{1}", "{0}到{1}岁之间"]), before=FILLER)
    def test_age_ranges(self, low: int, span: int, form: str, before: str) -> None:
        high = min(low + span, 80)
        assert age_limits(before + "，" + form.format(low, high) + "，身体健康") == (low, high)

    @_READ
    @given(limit=st.integers(30, 70), form=st.sampled_from(["{0}岁以下", "{0}周岁以内", "不超过{0}岁"]))
    def test_age_upper_limits(self, limit: int, form: str) -> None:
        assert age_limits("身体健康，" + form.format(limit)) == (None, limit)

    @pytest.mark.parametrize(("text", "limits"), [
        ("十八至四十五周岁", (18, 45)), ("年满18周岁", (18, None)), ("年龄不限，男女不限", (None, None)),
        ("45岁以上的不要", (None, 45)), ("有3年以上焊接经验", (None, None)), ("月休4天", (None, None)),
    ])
    def test_ages_as_postings_write_them(self, text: str, limits: tuple[int | None, int | None]) -> None:
        assert age_limits(text) == limits

    @_READ
    @given(st.text(max_size=300))
    def test_any_text_reads_without_error(self, text: str) -> None:
        read = read_posting(text)
        assert read.names <= {a.name for a in ATTRIBUTES}
        if read.age_min is not None and read.age_max is not None:
            assert read.age_min <= read.age_max

    def test_who_a_person_is_is_not_an_attribute(self) -> None:
        assert not read_posting("男性优先，限男性，汉族，本地户口").names
        assert not any(word in BY_NAME for word in ("男", "女", "男性", "女性", "汉族", "户籍", "户口"))

    def test_compounds_expand_to_what_is_stored(self) -> None:
        assert expand(["包吃住", "日结", "不认识"]) == ["日结", "包住", "包吃"]
        assert all(a.bit < 31 for a in ATTRIBUTES)
        assert len({a.bit for a in ATTRIBUTES if a.bit >= 0}) == len([a for a in ATTRIBUTES if a.bit >= 0])


class TestTokens:
    @settings(max_examples=300, deadline=None)
    @given(value=st.integers(0, 127), low=st.integers(0, 127), high=st.integers(0, 127))
    def test_a_value_is_in_a_range_exactly_when_their_tokens_meet(self, value: int, low: int, high: int) -> None:
        stored = set(search_text.prefixes(value, 7))
        asked = set(search_text.cover(low, high, 7))
        assert bool(stored & asked) == (low <= value <= high)

    @settings(max_examples=200, deadline=None)
    @given(low=st.integers(0, 2**14 - 1), high=st.integers(0, 2**14 - 1))
    def test_a_cover_is_small_and_disjoint(self, low: int, high: int) -> None:
        blocks = search_text.cover(low, high, 14)
        assert len(blocks) <= 2 * 14
        covered = [v for level, prefix in blocks for v in range(prefix << level, (prefix + 1) << level)]
        assert sorted(covered) == list(range(low, high + 1))

    @settings(max_examples=200, deadline=None)
    @given(pay=st.integers(0, 60000), asked=st.integers(1, 60000))
    def test_pay_at_least(self, pay: int, asked: int) -> None:
        posting = set(search_text.pay_tokens(pay // 10 * 10))
        wanted = {m.token for m in search_text.pay_at_least(asked).parts} if asked else set()
        assert bool(posting & wanted) == (pay // 10 * 10 >= -(-asked // 10) * 10)

    @settings(max_examples=100, deadline=None)
    @given(st.text(max_size=200))
    def test_tokens_never_hold_a_space_or_a_quote(self, text: str) -> None:
        tokens = derive({"title": text, "description": text, "job_category": text, "township": text,
                         "city": "峨眉山市", "enterprise": text}).search_tokens.split(" ")
        assert all(t and not set(t) & set(" '\"*()") for t in tokens)

    def test_character_pairs(self) -> None:
        assert search_text.text_tokens("B2货车司机，包吃住") == {"b2", "货车", "车司", "司机", "包吃", "吃住"}
        assert search_text.text_tokens("有沒有紡織廠") == search_text.text_tokens("有没有纺织厂")
