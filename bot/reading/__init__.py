"""Read models shared by the CLI, the chat commands, /healthz and (later) the web pages: one
definition of what each of them shows, built from the store in a bounded number of reads.

- `models`: the frozen values (source health, latest stories, a story page, stats). Imports
  only bot.models, so the channels may use them without reaching the store.
- `health`: the pure decision of a source's health, from its state, the policy and `now`.
- `reader`: `Reading`, which builds them from the store (one read per collection).
- `items`: `items_of`, the batch item read every timeline uses (bot.delivery's too).

Nothing is imported here: a channel importing `bot.reading.models` must not load the store.
Must not import bot.channels, bot.delivery, bot.web or bot.app.
"""
