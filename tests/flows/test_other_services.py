"""Services of the bureau's world the assistant does not handle: an honest answer, where to go, a person.

Conversations through the real trained NLU against the demo bureau file and knowledge base; the policy
flow's own guard is also checked with a pinned parse, since the NLU is not the only way a question gets there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.harness import Conversation
from flows.assistant import Assistant
from storage.bureau_file import load_bureau_file
from storage.db import Database
from storage.demo.reference import BUREAU_FILE, POLICY_FOLDER
from storage.models import Case
from storage.policy_files import load_policy_files
from storage.queries.bureau import replace_bureau_facts
from storage.queries.policies import upsert_policies
from tests.flows.factories import add_person, outbox_for
from tests.scripted_nlu import ScriptedNLU

NOW = datetime(2026, 9, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


async def _knowledge(db: Database) -> None:
    async with db.session() as session:
        await replace_bureau_facts(session, load_bureau_file(BUREAU_FILE), now=NOW)
        await upsert_policies(session, load_policy_files(POLICY_FOLDER), now=NOW)


@pytest.fixture
async def people(sqlite_db: Database) -> dict[str, int]:
    await _knowledge(sqlite_db)
    secretary = await add_person(sqlite_db, "sec1", role="secretary", name="王秘书", covers=("双福镇",))
    worker = await add_person(sqlite_db, "worker1", name="张三", township="双福镇", registered=True,
                              secretary_id=secretary)
    return {"secretary": secretary, "worker": worker}


@pytest.fixture
def assistant(sqlite_db: Database, trained_nlu, people: dict[str, int]) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant(sqlite_db, trained_nlu)


def _chat(assistant: Assistant, user: str = "worker1") -> Conversation:
    return Conversation(assistant, user_id=user, now=NOW)


async def _cases(db: Database) -> list[Case]:
    async with db.session() as session:
        return list((await session.execute(select(Case).order_by(Case.id))).scalars())


class TestNotHandledHere:
    async def test_a_lost_card_names_the_service_the_counter_the_station_and_what_to_bring(
        self, assistant: Assistant
    ) -> None:
        chat = _chat(assistant)
        await chat.say("社保卡丢了怎么办")
        assert chat.handled_as == "other_service"
        text = chat.text()
        for words in ("「社保卡补办、挂失」我这里办不了", "打 12333", "政务服务中心人社窗口", "名山南路 88 号",
                      "您那里的双福镇劳动保障服务站", "带上：本人身份证原件", "找人工"):
            assert words in text, text

    @pytest.mark.parametrize(
        ("question", "service", "where"),
        [
            ("医保报销怎么弄", "医保报销", "峨眉山市医疗保障局"),
            ("社保怎么转到浙江", "社保关系转移接续", "政务服务中心人社窗口"),
            ("个税怎么退", "个人所得税", "税务局"),
            ("户口怎么迁", "户口、户籍", "派出所"),
            ("低保怎么申请", "低保、特困救助", "民政局"),
            ("养老金什么时候发", "养老金领取、待遇资格认证", "政务服务中心人社窗口"),
            ("退休手续怎么办", "退休手续", "政务服务中心人社窗口"),
        ],
    )
    async def test_each_service_is_named_with_where_to_go(
        self, assistant: Assistant, question: str, service: str, where: str
    ) -> None:
        chat = _chat(assistant)
        await chat.say(question)
        assert chat.handled_as == "other_service"
        assert f"「{service}」我这里办不了" in chat.text() and where in chat.text()

    async def test_medical_reimbursement_never_gets_a_policy_card(self, assistant: Assistant) -> None:
        chat = _chat(assistant)
        await chat.say("医保报销怎么弄")
        text = chat.text()
        assert "打 12393 咨询；人社方面的问题打 12333" in text
        for policy in ("社保免减缓", "灵活就业", "政策依据", "申请条件"):
            assert policy not in text

    async def test_sichuanese_and_traditional(self, assistant: Assistant) -> None:
        chat = _chat(assistant)
        await chat.say("社保卡遭弄丢了，咋个办嘛")
        assert "「社保卡补办、挂失」我这里办不了" in chat.text()
        await chat.say("醫保報銷怎麼弄")
        assert "「醫保報銷」我這裡辦不了" in chat.text() and "峨眉山市醫療保障局" in chat.text()

    async def test_english_names_the_service_in_both(self, assistant: Assistant) -> None:
        chat = _chat(assistant)
        await chat.say("I lost my social security card")
        text = chat.text()
        assert "I can't handle social security card (lost, damaged, replacement) (社保卡补办、挂失) here" in text
        assert "Call 12333" in text and "Talk to a person" in text

    async def test_outside_the_bureaus_world_is_still_the_fallback(self, assistant: Assistant) -> None:
        chat = _chat(assistant)
        await chat.say("讲个笑话来听下")
        assert chat.handled_as in ("out_of_scope", "nlu_fallback")
        assert "办不了" not in chat.text()


class TestHandOff:
    async def test_one_tap_opens_a_case_saying_which_service(self, assistant: Assistant, sqlite_db: Database,
                                                             people: dict[str, int]) -> None:
        chat = _chat(assistant)
        await chat.say("退休手续怎么办")
        await chat.press("找人工")
        assert "就业秘书" in chat.text()
        [case] = await _cases(sqlite_db)
        assert case.kind == "handoff" and case.secretary_id == people["secretary"]
        assert case.text == "想办理「退休手续」（助手不办理这项业务）"
        assert any("退休手续怎么办" in entry["text"] for entry in case.context)
        [message] = await outbox_for(sqlite_db, "sec1")
        assert "退休手续怎么办" in message.payload["text"]

    async def test_typing_works_as_well_as_the_button(self, assistant: Assistant, sqlite_db: Database) -> None:
        chat = _chat(assistant)
        await chat.say("退休手续怎么办")
        await chat.say("找人工")
        assert chat.handled_as == "human_handoff"
        [case] = await _cases(sqlite_db)
        assert case.text == "找人工" and any("退休手续怎么办" in e["text"] for e in case.context)


class TestThePolicyFlowSendsThemElsewhere:
    @pytest.fixture
    def pinned(self, sqlite_db: Database, people: dict[str, int]) -> Assistant:
        nlu = ScriptedNLU({
            "医保报销咋个弄": "policy_question",
            "社保卡丢了能补贴不": "policy_question",
            "我在外面打零工自己交养老保险，国家补不补": "policy_question",
            "社保免减缓怎么申请": ("policy_question", {"policy": "社保免减缓"}),
        })
        return Assistant(sqlite_db, nlu)

    async def test_a_listed_service_is_not_answered_with_a_policy(self, pinned: Assistant) -> None:
        chat = _chat(pinned)
        await chat.say("医保报销咋个弄")
        assert chat.handled_as == "other_service" and "「医保报销」我这里办不了" in chat.text()
        assert "社保免减缓" not in chat.text()

    async def test_a_subsidy_question_about_a_listed_service_stays_a_policy_question(self, pinned: Assistant) -> None:
        chat = _chat(pinned)
        await chat.say("我在外面打零工自己交养老保险，国家补不补")
        assert chat.handled_as == "policy_question" and "灵活就业" in chat.text()

    async def test_a_policy_named_outright_is_the_policys(self, pinned: Assistant) -> None:
        chat = _chat(pinned)
        await chat.say("社保免减缓怎么申请")
        assert "社保免减缓" in chat.text() and "办不了" not in chat.text()

    async def test_no_subsidy_to_be_had_for_a_card_means_the_counter(self, pinned: Assistant) -> None:
        chat = _chat(pinned)
        await chat.say("社保卡丢了能补贴不")  # 补 is there, but no policy covers lost cards
        assert chat.handled_as == "other_service" and "社保卡补办、挂失" in chat.text()
