"""The reader's script: a traditional-character user gets the whole reply in traditional characters, data included;
an English user gets English labels around Chinese data; one conversion, at the edge, never twice.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.harness import Conversation
from flows.assistant import Assistant
from flows.i18n import LANGUAGES, catalogue, in_script, to_traditional
from flows.messages import Button, Reply, reply_from_dict
from storage.db import Database
from tests.conftest import NOW
from tests.factories import add_postings
from tests.flows.factories import add_departure, add_person, outbox_for
from tests.scripted_nlu import ScriptedNLU

_DICTIONARIES = Path(opencc.__file__).parent / "dictionary"


def _pairs(name: str) -> dict[str, list[str]]:
    lines = (_DICTIONARIES / name).read_text(encoding="utf-8").splitlines()
    return {key: values.split() for key, values in (line.split("\t") for line in lines)}


def _simplified_only() -> frozenset[str]:
    """Characters OpenCC maps to traditional ones that are never written in Taiwan's standard themselves (们, 岗,
    镇 …); 秘 and 群 are not among them (s2t's 祕 and 羣 go back to them through Taiwan's variants)."""
    variants = _pairs("TWVariants.txt")
    taiwan_forms = {form for forms in variants.values() for form in forms}  # 幺 is written 么 in Taiwan
    only = set()
    for simplified, traditional in _pairs("STCharacters.txt").items():
        written = {variants.get(t, [t])[0] for t in traditional} | set(traditional)
        if simplified not in written and simplified not in taiwan_forms:
            only.add(simplified)
    return frozenset(only)


SIMPLIFIED_ONLY = _simplified_only()
# Catalogue texts deliberately not in the catalogue's own script: each language is named in its own.
WRITTEN_IN_ANOTHER_SCRIPT = {"account.lang_zh-hans"}


def leftovers(text: str) -> set[str]:
    return {ch for ch in text if ch in SIMPLIFIED_ONLY}


def _leaves(node: object, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, f"{prefix}{key}.")]
    if isinstance(node, list):
        return [(prefix.rstrip("."), "\n".join(map(str, node)))]
    return [(prefix.rstrip("."), str(node))]


class TestTheConversion:
    def test_what_counts_as_simplified_only(self) -> None:
        assert {"们", "岗", "镇", "为", "个"} <= SIMPLIFIED_ONLY
        assert not {"秘", "群", "采", "后", "干"} & SIMPLIFIED_ONLY  # also traditional (秘書, 群組, 風采, 皇后, 若干)

    def test_the_traditional_catalogue_is_never_converted_again(self) -> None:
        """s2tw is the variant the zh-hant catalogues are written in: converting them changes nothing (no 羣, 祕,
        纔 as plain s2t would write), so converting a whole reply is safe."""
        changed = {key: (text, to_traditional(text)) for key, text in _leaves(catalogue("zh-hant"))
                   if key not in WRITTEN_IN_ANOTHER_SCRIPT and to_traditional(text) != text}
        assert not changed

    def test_every_zh_hant_catalogue_text_is_traditional(self) -> None:
        bad = {key: leftovers(text) for key, text in _leaves(catalogue("zh-hant"))
               if key not in WRITTEN_IN_ANOTHER_SCRIPT and leftovers(text)}
        assert not bad

    @pytest.mark.parametrize(("simplified", "traditional"), [
        ("为您找到 20 个岗位（龙池镇）：", "為您找到 20 個崗位（龍池鎮）："),
        ("群里的秘书发了通知", "群裡的秘書發了通知"),
        ("光荣村茶园采茶工 · 桂花桥镇光荣茶叶专业合作社", "光榮村茶園採茶工 · 桂花橋鎮光榮茶葉專業合作社"),
        ("https://uri.amap.com/marker?position=103.49,29.59&name=%E5%B3%A8", "https://uri.amap.com/marker?position=103.49,29.59&name=%E5%B3%A8"),
    ])
    def test_examples(self, simplified: str, traditional: str) -> None:
        assert to_traditional(simplified) == traditional
        assert to_traditional(traditional) == traditional

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                                      st.sampled_from(list("，。、：；？！（）「」“” \n0123456789abc·💰📍"))),
                   max_size=80))
    def test_any_simplified_data_reaches_a_traditional_reader_with_no_simplified_only_character(
        self, data: str
    ) -> None:
        reply = in_script(Reply(text=f"為您找到 3 個崗位（{data}）：\n{data}", buttons=[[Button(data, callback="t")]]),
                          "zh-hant")
        assert not leftovers(reply.text) and not leftovers(reply.buttons[0][0].label)
        # Not asserted: that a second pass changes nothing. For arbitrary text it may (幺 → 么 in Taiwan's standard,
        # and 么 → 麼 again), which is why a reply is converted once, at the edge, and never by a flow.

    def test_other_languages_are_left_as_written(self) -> None:
        reply = Reply(text="3 jobs found (采茶工、龙池镇):", buttons=[[Button("Apply", callback="t")]])
        assert in_script(reply, "en") is reply and in_script(reply, "zh-hans") is reply

    def test_a_label_kept_in_its_own_script(self) -> None:
        reply = in_script(Reply(text="请选择语言", buttons=[[Button("简体中文", callback="a", keep_script=True),
                                                            Button("跟随我", callback="b")]]), "zh-hant")
        assert [b.label for b in reply.buttons[0]] == ["简体中文", "跟隨我"]
        assert reply.text == "請選擇語言"


@pytest.fixture
def nlu() -> ScriptedNLU:
    return ScriptedNLU({
        "有沒有採茶的工作": ("job_search", {"job_category": "采茶工", "location": "双福镇"}),
        "any tea picking jobs": ("job_search", {"job_category": "采茶工", "location": "双福镇"}),
        "去浙江的車": ("transport_question", {"location": "浙江"}),
        "找人工": "human_handoff",
        "語言": "language",
    })


@pytest.fixture
async def assistant(sqlite_db: Database, nlu: ScriptedNLU) -> Assistant:
    await add_postings(sqlite_db, NOW.date())
    await add_departure(sqlite_db, "绍兴柯桥", "浙江", NOW + timedelta(days=5), pickup_points=("双福镇政府门口",))
    return Assistant(sqlite_db, nlu)


class TestInConversation:
    async def test_a_traditional_job_search_is_traditional_to_the_last_card(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("有沒有採茶的工作")
        text = chat.text()
        assert "（雙福鎮、採茶工）" in text  # the filter in the heading
        assert "**春茶採摘工** · 雙福茶葉專業合作社" in text and "包午飯" in text
        assert not leftovers(text)
        labels = [b.label for reply in chat.last for row in reply.buttons for b in row]
        assert labels and not any(leftovers(label) for label in labels)
        await chat.press("詳情")
        assert "採明前茶，按天計酬" in chat.text() and not leftovers(chat.text())

    async def test_a_traditional_bus_question(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("去浙江的車")
        assert "紹興柯橋" in chat.text() and "雙福鎮政府門口" in chat.text() and not leftovers(chat.text())

    async def test_english_labels_around_chinese_data(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="w2", now=NOW)
        await chat.say("any tea picking jobs")
        text = chat.text()
        assert "jobs found" in text and "**春茶采摘工** · 双福茶叶专业合作社" in text
        assert not re.search(r"[為個崗]", text)  # data as stored, nothing converted
        assert {"Details", "Apply"} <= {b.label for r in chat.last for row in r.buttons for b in row}

    async def test_the_language_picker_names_each_language_in_its_own_script(self, assistant: Assistant) -> None:
        chat = Conversation(assistant, user_id="w1", now=NOW)
        await chat.say("語言")
        labels = [b.label for reply in chat.last for row in reply.buttons for b in row]
        assert labels[:3] == ["简体中文", "繁體中文", "English"] and labels[3] == "跟隨我輸入的文字"
        assert len(LANGUAGES) == 3


class TestToSomeoneElse:
    async def test_a_secretarys_simplified_reply_reaches_a_traditional_worker_in_traditional(
        self, sqlite_db: Database, nlu: ScriptedNLU
    ) -> None:
        secretary = await add_person(sqlite_db, "sec1", role="secretary", name="王秘书", covers=("双福镇",))
        await add_person(sqlite_db, "w1", name="陳大文", township="双福镇", registered=True, secretary_id=secretary)
        assistant = Assistant(sqlite_db, nlu)
        worker = Conversation(assistant, user_id="w1", now=NOW)
        await worker.say("找人工")  # written in traditional: the conversation remembers zh-hant
        await worker.say("有沒有採茶的工作")
        staff = Conversation(assistant, user_id="sec1", now=NOW)
        staff.last = [reply_from_dict(m.payload) for m in await outbox_for(sqlite_db, "sec1")]
        await staff.press("回复")
        await staff.say("明天上午九点到双福镇服务站来，带上身份证")
        [message] = await outbox_for(sqlite_db, "w1")
        assert "明天上午九點到雙福鎮服務站來，帶上身份證" in message.payload["text"]
        assert not leftovers(message.payload["text"])
