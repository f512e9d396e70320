"""Channels: where alerts leave alertbot (console now; Telegram, Discord, email later).

Must not import bot.store or bot.ingest: a channel is handed what to send.
"""
