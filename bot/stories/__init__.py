"""Developing stories: grouping items, grounded summaries, what changed, who responded.

Pure deciders (no I/O, `now` passed in). Must not import bot.channels, bot.delivery or
bot.store.
"""
