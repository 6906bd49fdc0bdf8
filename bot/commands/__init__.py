"""Sub-commands of `mishu`, one typer app per topic, mounted by bot/cli.py."""
