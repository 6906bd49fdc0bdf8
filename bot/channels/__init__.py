"""Channels: each turns its own updates into `Inbound` messages and renders `Reply` values."""
