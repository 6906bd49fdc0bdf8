"""`mishu nlu`: train the NLU, test it on a Rasa-format file, parse stdin one line at a time (SPEC §3)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Understanding: train, test and try the NLU (Rasa-format data, offline).",
                  no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataOption = typer.Option(None, "--data", help="Training data: a Rasa YAML file or folder (default: nlu/data).")
ModelOption = typer.Option(None, "--model", help="Model file (default: ~/.cache/mishu/nlu-<hash>.pkl).")


def _load(data: Path | None, model: Path | None):
    from nlu import load_nlu
    from nlu.rasa_format import NLUDataError

    try:
        return load_nlu(data, model)
    except NLUDataError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


@app.command()
def train(data: Path | None = DataOption, model: Path | None = ModelOption) -> None:
    """Train from the Rasa-format data and save the model (always retrains)."""
    from nlu.engine import DEFAULT_DATA, default_model_path, fingerprint, timed_train
    from nlu.rasa_format import NLUDataError

    data_dir = data or DEFAULT_DATA
    try:
        nlu, seconds = timed_train(data_dir)
    except NLUDataError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    path = model or default_model_path(fingerprint(data_dir))
    nlu.save(path)
    out.print(f"trained in {seconds:.1f} s → {path}", highlight=False)


@app.command()
def test(
    file: Path = typer.Argument(..., help="A Rasa-format YAML file of labelled examples."),
    data: Path | None = DataOption,
    model: Path | None = ModelOption,
    errors: bool = typer.Option(False, "--errors", help="Also list every misclassified example."),
) -> None:
    """Evaluate on FILE: intent accuracy, macro-F1, per-intent report, confusion pairs, entity P/R/F1."""
    from nlu.rasa_format import NLUDataError, load_data

    try:
        examples = load_data(file).examples
    except NLUDataError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    report = _load(data, model).evaluate(examples)
    out.print(f"{report['examples']} examples: intent accuracy {report['intent_accuracy']:.3f}, "
              f"macro-F1 {report['intent_macro_f1']:.3f}", highlight=False)
    table = Table("intent", "precision", "recall", "F1", "support", title="Intents")
    for name, row in report["per_intent"].items():
        table.add_row(name, f"{row['precision']:.2f}", f"{row['recall']:.2f}", f"{row['f1']:.2f}", str(row["support"]))
    out.print(table)
    pairs = Table("gold", "predicted", "count", title="Top confusions")
    for row in report["confusions"][:10]:
        pairs.add_row(row["gold"], row["predicted"], str(row["count"]))
    out.print(pairs)
    ents = Table("entity", "precision", "recall", "F1", "support", title="Entities")
    for name, row in [*report["per_entity"].items(), ("all", report["entities"])]:
        ents.add_row(name, f"{row['precision']:.2f}", f"{row['recall']:.2f}", f"{row['f1']:.2f}", str(row["support"]))
    out.print(ents)
    if errors:
        for row in report["errors"]:
            out.print(json.dumps(row, ensure_ascii=False), highlight=False, markup=False)


@app.command()
def parse(data: Path | None = DataOption, model: Path | None = ModelOption) -> None:
    """Read one text a line from stdin; print one JSON object a line (Rasa's parse shape)."""
    started = time.perf_counter()
    nlu = _load(data, model)
    if sys.stdin.isatty():
        err.print(f"model ready in {time.perf_counter() - started:.1f} s; type a message a line, Ctrl-D ends.")
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        sys.stdout.write(json.dumps(nlu.parse(text).as_rasa(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
