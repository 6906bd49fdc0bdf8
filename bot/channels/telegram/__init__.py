"""The Telegram channel (aiogram 3): updates in as `Inbound`, replies out as Bot API calls."""
