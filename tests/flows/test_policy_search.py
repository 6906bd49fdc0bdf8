"""Tests for the policy knowledge base: file loading and validation, expiry, normalisation and retrieval quality."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml

from flows.imports import policy_problem_text
from flows.policy_search import PolicyIndex, normalize_query
from storage.policy_files import PolicyDoc, PolicyFileError, load_policy_files

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "storage" / "demo" / "policies"
QUESTIONS = ROOT / "tests" / "data" / "policy_questions.yaml"
TODAY = dt.date(2026, 11, 28)

VALID = """\
key: 测试补贴
title: 测试用补贴
aliases: [测试补助]
audience: worker
issuer: 峨眉山市人力资源和社会保障局
document_number: 峨人社发〔2020〕1号
effective_from: 2020-02-10
effective_to: 2020-12-31
source: 测试文件
summary: 一段说明。
key_points: [要点一]
eligibility: [条件一]
how_to_apply: [步骤一]
faq:
  - q: 问题？
    a: 回答。
"""


@pytest.fixture(scope="module")
def docs() -> list[PolicyDoc]:
    return load_policy_files(POLICIES)


@pytest.fixture(scope="module")
def index(docs: list[PolicyDoc]) -> PolicyIndex:
    return PolicyIndex.build(docs)


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


class TestDemoPolicies:
    def test_at_least_fifteen_with_unique_keys(self, docs: list[PolicyDoc]) -> None:
        assert len(docs) >= 15
        assert len({d.key for d in docs}) == len(docs)

    def test_each_policy_has_three_to_six_faq_entries(self, docs: list[PolicyDoc]) -> None:
        for doc in docs:
            assert 3 <= len(doc.faq) <= 6, doc.path

    def test_some_expired_and_most_in_force(self, docs: list[PolicyDoc]) -> None:
        expired = [d.key for d in docs if d.is_expired(TODAY)]
        assert 1 <= len(expired) <= 3
        assert len(docs) - len(expired) >= 15

    @pytest.mark.parametrize(
        "key", ["稳岗返还", "社保免减缓", "公益性岗位", "一次性吸纳就业补贴", "以工代训补贴", "失业保险金", "交通补贴"]
    )
    def test_required_programmes_present(self, docs: list[PolicyDoc], key: str) -> None:
        assert key in {d.key for d in docs}


class TestLoaderValidation:
    def test_valid_yaml_loads(self, tmp_path: Path) -> None:
        write(tmp_path, "a.yaml", VALID)
        (doc,) = load_policy_files(tmp_path)
        assert doc.key == "测试补贴" and doc.aliases == ("测试补助",)
        assert doc.effective_to == dt.date(2020, 12, 31)
        assert doc.faq[0].question == "问题？" and doc.faq[0].answer == "回答。"
        assert doc.path == "a.yaml"

    def test_markdown_front_matter_body_is_summary(self, tmp_path: Path) -> None:
        front = VALID.replace("summary: 一段说明。\n", "")
        write(tmp_path, "b.md", f"---\n{front}---\n\n正文就是说明。\n")
        write(tmp_path, "README.md", "# not a policy\n")
        (doc,) = load_policy_files(tmp_path)
        assert doc.summary == "正文就是说明。"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (VALID.replace("title: 测试用补贴\n", ""), "missing required field 'title'"),
            (VALID.replace("audience: worker", "audience: farmer"), "'audience' must be one of"),
            (VALID.replace("effective_from: 2020-02-10", "effective_from: 去年"), "'effective_from' is not a date"),
            (VALID.replace("effective_to: 2020-12-31", "effective_to: 2019-01-01"), "is before 'effective_from'"),
            (VALID + "titel: typo\n", "unknown field(s) titel"),
            (VALID.replace("    a: 回答。\n", ""), "faq entry 1 needs both 'q' and 'a'"),
            (VALID.replace("key_points: [要点一]", "key_points: []"), "'key_points' must not be empty"),
            (VALID.replace("eligibility: [条件一]", "eligibility: 条件一"), "'eligibility' must be a list of texts"),
            ("key: [unclosed\n", "not valid YAML"),
            ("- just\n- a list\n", "expected a mapping"),
        ],
    )
    def test_error_names_file_and_problem(self, tmp_path: Path, text: str, message: str) -> None:
        write(tmp_path, "bad.yaml", text)
        with pytest.raises(PolicyFileError) as err:
            load_policy_files(tmp_path)
        said = "\n".join(policy_problem_text(problem, "en") for problem in err.value.problems)
        assert said.startswith("bad.yaml: ")
        assert message in said

    def test_all_problems_reported_at_once(self, tmp_path: Path) -> None:
        write(tmp_path, "one.yaml", VALID.replace("title: 测试用补贴\n", ""))
        write(tmp_path, "two.yaml", VALID.replace("audience: worker", "audience: nobody").replace("测试", "其他"))
        with pytest.raises(PolicyFileError) as err:
            load_policy_files(tmp_path)
        assert [p.file for p in err.value.problems] == ["one.yaml", "two.yaml"]

    def test_duplicate_name_across_files(self, tmp_path: Path) -> None:
        write(tmp_path, "a.yaml", VALID)
        write(tmp_path, "b.yaml", VALID.replace("key: 测试补贴", "key: 别的补贴"))
        with pytest.raises(PolicyFileError) as err:
            load_policy_files(tmp_path)
        assert "b.yaml: name '测试补助' is already used by a.yaml" in [policy_problem_text(p, "en") for p in err.value.problems]

    def test_markdown_without_front_matter(self, tmp_path: Path) -> None:
        write(tmp_path, "c.md", "# 稳岗返还\n正文\n")
        with pytest.raises(PolicyFileError) as err:
            load_policy_files(tmp_path)
        assert policy_problem_text(err.value.problems[0], "en").startswith("c.md: Markdown policy must start with")

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(PolicyFileError) as err:
            load_policy_files(tmp_path / "nope")
        assert policy_problem_text(err.value.problems[0], "en").endswith("nope: no such file or folder")


class TestExpiry:
    @pytest.mark.parametrize(
        ("end", "today", "expired"),
        [
            (dt.date(2020, 12, 31), dt.date(2021, 1, 1), True),
            (dt.date(2020, 12, 31), dt.date(2020, 12, 31), False),  # the last day still counts
            (dt.date(2027, 12, 31), TODAY, False),
            (None, TODAY, False),
        ],
    )
    def test_is_expired(self, tmp_path: Path, end: dt.date | None, today: dt.date, expired: bool) -> None:
        text = VALID.replace("effective_to: 2020-12-31", f"effective_to: {end.isoformat() if end else 'null'}")
        write(tmp_path, "a.yaml", text)
        (doc,) = load_policy_files(tmp_path)
        assert doc.is_expired(today) is expired

    def test_is_pending(self, tmp_path: Path) -> None:
        write(tmp_path, "a.yaml", VALID)
        (doc,) = load_policy_files(tmp_path)
        assert doc.is_pending(dt.date(2020, 1, 1)) and not doc.is_pending(dt.date(2020, 2, 10))


class TestNormalize:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("穩崗補貼", "稳岗补贴"),
            ("ＪＯＢ　ＲＥＴＥＮＴＩＯＮ？", "job retention?"),
            ("啥子是公益岗", "什么是公益岗"),
            ("咋个申请", "怎么申请"),
            ("莫得工作", "没有工作"),
            ("没得钱", "没有钱"),
            ("晓得不", "知道不"),
        ],
    )
    def test_normalize_query(self, text: str, expected: str) -> None:
        assert normalize_query(text) == expected


class TestSearch:
    def test_quality_on_question_set(
        self, index: PolicyIndex, questions: list[dict], capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert len(questions) >= 80
        top1 = top3 = 0
        for item in questions:
            keys = [h.key for h in index.search(item["q"], audience=item.get("audience"), today=TODAY)]
            top1 += keys[:1] == [item["key"]]
            top3 += item["key"] in keys
        n = len(questions)
        with capsys.disabled():  # the measured figures belong in the test output, not only on failure
            print(f"\npolicy questions: {n}, top-1 {top1 / n:.3f}, top-3 {top3 / n:.3f}")
        assert top1 / n >= 0.90
        assert top3 / n >= 0.97

    def test_question_keys_exist(self, index: PolicyIndex, questions: list[dict]) -> None:
        assert {q["key"] for q in questions} <= set(index.keys)

    @pytest.mark.parametrize(
        "text", ["今天天气怎么样", "附近有没有好吃的火锅", "帮我查一下快递", "what time is it", "老板不发工资咋个办"]
    )
    def test_unrelated_question_is_not_confident(self, index: PolicyIndex, text: str) -> None:
        hits = index.search(text, today=TODAY)
        assert not any(h.confident for h in hits)

    def test_clear_question_is_confident_with_faq(self, index: PolicyIndex) -> None:
        (hit, *_) = index.search("公益性岗位在哪里报名呢", today=TODAY)
        assert hit.key == "公益性岗位" and hit.confident
        assert hit.faq_index is not None
        assert "报名" in index.policies[hit.key].faq[hit.faq_index].question

    @pytest.mark.parametrize(
        ("text", "key"), [("稳岗补贴😀😀！！！", "稳岗返还"), ("創業補貼", "返乡创业补贴"), ("线上职业技能培训补贴", "线上职业技能培训补贴")]
    )
    def test_named_policy_is_confident_even_when_short(self, index: PolicyIndex, text: str, key: str) -> None:
        (hit, *_) = index.search(text, today=TODAY)
        assert hit.key == key and hit.confident

    def test_policy_hint_boosts_and_makes_confident(self, index: PolicyIndex) -> None:
        text = "这个钱怎么领"
        without = index.search(text, today=TODAY)
        hinted = index.search(text, policy_hint="穩崗補貼", today=TODAY)
        assert hinted[0].key == "稳岗返还" and hinted[0].confident
        assert not any(h.confident for h in without)

    def test_audience_prefers_matching_policies(self, index: PolicyIndex) -> None:
        text = "培训补贴"
        as_employer = [h.key for h in index.search(text, audience="employer", limit=5, today=TODAY)]
        as_worker = [h.key for h in index.search(text, audience="worker", limit=5, today=TODAY)]
        assert as_employer.index("以工代训补贴") < as_worker.index("以工代训补贴")

    def test_expired_policy_ranks_below_in_force_one(self, index: PolicyIndex) -> None:
        def score(today: dt.date) -> float:
            hits = index.search("职业技能培训有补贴吗", limit=5, today=today)
            return next(h.score for h in hits if h.key == "线上职业技能培训补贴")

        assert index.search("职业技能培训有补贴吗", today=TODAY)[0].key == "职业培训补贴"
        assert score(TODAY) < score(dt.date(2020, 6, 1))

    def test_expired_policy_still_found_when_asked_for(self, index: PolicyIndex) -> None:
        assert index.search("疫情期间线上培训补贴还能申请吗", today=TODAY)[0].key == "线上职业技能培训补贴"

    def test_limit_and_order(self, index: PolicyIndex) -> None:
        hits = index.search("补贴", limit=5, today=TODAY)
        assert len(hits) == 5
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert all(not h.confident for h in hits[1:])

    def test_empty_query(self, index: PolicyIndex) -> None:
        assert index.search("   ", today=TODAY) == []


class TestGenericDocuments:
    def test_build_from_texts(self) -> None:
        index = PolicyIndex.build_from_texts(
            [
                ("d1", "关于阶段性减免企业社会保险费的通知 各市州人社局：为支持企业复工复产，免征中小微企业三项社会保险单位缴费。"),
                ("d2", "关于做好农民工返岗复工点对点服务的通知 组织包车，免费接送务工人员返岗。"),
                ("d3", "关于延长2020年春节假期的通知 各地区、各部门：延长春节假期至2月2日。"),
            ],
            title_chars=30,
        )
        assert len(index) == 3
        assert index.search("企业社保能免吗")[0].key == "d1"
        assert index.search("返岗包车", limit=1)[0].key == "d2"
        assert index.search("返岗包车", limit=1)[0].faq_index is None
