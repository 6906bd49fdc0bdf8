"""Rasa YAML NLU data: reading files and folders, annotations, round trips, and `file:line:` errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.rasa_format import NLUDataError, dump_data, load_data, parse_annotated, write_data

GOOD = '''version: "3.1"
nlu:
- intent: job_search
  examples: |
    - 有没得[采茶](job_category)的活路
    - 想去[绍兴]{"entity": "location", "value": "绍兴"}进厂
    - [稳岗补贴]{"entity": "policy", "value": "稳岗返还"}
- synonym: 采茶工
  examples: |
    - 采茶
- lookup: location
  examples: |
    - 绍兴
- regex: phone
  examples: |
    - 1[3-9]\\d{9}
'''


class TestRead:
    def test_one_file(self, tmp_path: Path) -> None:
        path = tmp_path / "nlu.yml"
        path.write_text(GOOD, encoding="utf-8")
        data = load_data(path)
        assert [e.text for e in data.examples] == ["有没得采茶的活路", "想去绍兴进厂", "稳岗补贴"]
        first = data.examples[0].entities[0]
        assert (first.entity, first.start, first.end, first.value) == ("job_category", 3, 5, "采茶")
        assert data.examples[2].entities[0].value == "稳岗返还"
        assert data.synonyms == {"采茶工": ["采茶"]}
        assert data.lookups == {"location": ["绍兴"]}
        assert data.regexes == {"phone": [r"1[3-9]\d{9}"]}

    def test_a_folder_merges_every_file(self, tmp_path: Path) -> None:
        (tmp_path / "a.yml").write_text(GOOD, encoding="utf-8")
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "b.yaml").write_text(GOOD, encoding="utf-8")
        assert len(load_data(tmp_path).examples) == 6

    def test_round_trip(self, tmp_path: Path) -> None:
        (tmp_path / "a.yml").write_text(GOOD, encoding="utf-8")
        data = load_data(tmp_path / "a.yml")
        write_data(data, tmp_path / "b.yml")
        again = load_data(tmp_path / "b.yml")
        assert [(e.text, e.intent, [(s.entity, s.start, s.end, s.value) for s in e.entities]) for e in again.examples] \
            == [(e.text, e.intent, [(s.entity, s.start, s.end, s.value) for s in e.entities]) for e in data.examples]
        assert again.synonyms == data.synonyms and again.lookups == data.lookups and again.regexes == data.regexes
        assert dump_data(again).startswith('version: "3.1"')

    def test_the_shipped_data_reads(self) -> None:
        data = load_data(Path("nlu/data"))
        assert len(data.examples) > 1000

    @pytest.mark.parametrize(
        ("annotated", "plain", "spans"),
        [
            ("[采茶](job_category)", "采茶", [("job_category", 0, 2, "采茶")]),
            ("去[双福](location:双福镇)", "去双福", [("location", 1, 3, "双福镇")]),
            ("没有标注", "没有标注", []),
            ("[a](x)[b](y)", "ab", [("x", 0, 1, "a"), ("y", 1, 2, "b")]),
        ],
    )
    def test_annotations(self, annotated: str, plain: str, spans: list) -> None:
        text, found = parse_annotated(annotated)
        assert text == plain
        assert [(s.entity, s.start, s.end, s.value) for s in found] == spans


class TestErrors:
    @pytest.mark.parametrize(
        ("content", "line", "words"),
        [
            ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n    oops no dash\n', 6, "- "),
            ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n\n    - [a](b\n    oops\n', 8, "- "),
            ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n    - [x]{"entity": "a b"}\n', 6, "entity"),
            ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - [你好]{"entity": }\n', 5, "JSON"),
            ('version: "3.1"\nnlu:\n- intent: greet\n  examples: [a, b]\n', 3, "examples"),
            ('version: "3.1"\nnlu:\n- intent: greet\n  synonym: x\n  examples: |\n    - a\n', 3, "exactly one"),
            ('version: "3.1"\nnlu:\n- regex: phone\n  examples: |\n    - 1[3-9\n', 5, "regex"),
            ('version: "3.1"\nnlu:\n  - intent: greet\n   examples: |\n', 4, "YAML"),
            ('version: "2.0"\nnlu: []\n', 1, "version"),
            ("- just a list\n", 1, "mapping"),
        ],
    )
    def test_message_is_file_line_what(self, tmp_path: Path, content: str, line: int, words: str) -> None:
        path = tmp_path / "bad.yml"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(NLUDataError) as caught:
            load_data(path)
        message = str(caught.value)
        assert message.startswith(f"{path}:{line}: "), message
        assert words.lower() in message.lower()

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(NLUDataError, match=r"nope\.yml:\d+: "):
            load_data(tmp_path / "nope.yml")
