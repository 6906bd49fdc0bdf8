"""`mishu nlu` commands: parse reads stdin a line at a time, test prints its tables, train saves a model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.commands.nlu import app
from tests.nlu.conftest import HELDOUT

runner = CliRunner()


class TestParse:
    def test_one_json_object_a_line(self, model_path: Path, nlu) -> None:
        text = "有没得采茶的活路\n穩崗補貼咋個申請\n\n"
        result = runner.invoke(app, ["parse", "--model", str(model_path)], input=text)
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(rows) == 3
        first = rows[0]
        assert first["text"] == "有没得采茶的活路" and first["intent"]["name"] == "job_search"
        job = next(e for e in first["entities"] if e["entity"] == "job_category")
        assert job["value"] == "采茶工" and first["text"][job["start"]:job["end"]].startswith("采茶")
        assert "穩崗補貼" in rows[1]["text"]  # the text as given, not normalised
        assert "采茶工" in result.stdout  # ensure_ascii=False


class TestTest:
    def test_report(self, model_path: Path, nlu) -> None:
        result = runner.invoke(app, ["test", str(HELDOUT), "--model", str(model_path)])
        assert result.exit_code == 0, result.output
        for words in ("intent accuracy", "macro-F1", "Intents", "Top confusions", "Entities", "job_search"):
            assert words in result.stdout

    def test_bad_file_is_one_line_and_exit_2(self, tmp_path: Path, model_path: Path) -> None:
        bad = tmp_path / "bad.yml"
        bad.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    oops\n', encoding="utf-8")
        result = runner.invoke(app, ["test", str(bad), "--model", str(model_path)])
        assert result.exit_code == 2
        assert f"{bad}:5:" in result.output


class TestTrain:
    def test_trains_and_saves(self, tmp_path: Path) -> None:
        data = tmp_path / "data"
        data.mkdir()
        (data / "nlu.yml").write_text(
            'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n    - 早上好\n'
            '- intent: goodbye\n  examples: |\n    - 再见\n    - 拜拜\n', encoding="utf-8")
        model = tmp_path / "m.pkl"
        result = runner.invoke(app, ["train", "--data", str(data), "--model", str(model)])
        assert result.exit_code == 0, result.output
        assert model.exists()
