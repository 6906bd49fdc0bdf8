"""The Telegram channel (aiogram 3): rendering replies, sending outbox messages."""
