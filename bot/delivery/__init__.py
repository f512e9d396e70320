"""Delivery: the outbox, the dispatcher that drains it, and the pacing that keeps every
platform's limits. Must not import bot.ingest."""
