"""bot: the running app — settings, wiring, channels, CLI, scheduler, delivery.

Importing it masks personal numbers in every log record of the process (bot/privacy.py), so no entry point —
`mishu run`, `mishu chat`, a CLI command, the web workbench — can log a phone or ID number in clear.
"""

from bot.privacy import install_masking

install_masking()
