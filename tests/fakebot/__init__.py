"""A fake Telegram Bot API server for tests: the far side of the wire for python-telegram-bot.

    from tests.fakebot import FakeBotAPI, Limits, SentMessage   # or the `fake_bot` fixture

server.py has the usage and the list of what is faked; methods.py what is not. Modules:
wire (request/answer format), tghtml (Telegram's HTML parse mode), limits (flood control),
objects (Telegram object shapes), state (chats, messages, updates), messages and methods
(the Bot API methods). Test infrastructure only: nothing here may import bot/.
"""

from tests.fakebot.limits import Limits
from tests.fakebot.objects import Button, SentMessage
from tests.fakebot.server import DEFAULT_TOKEN, FakeBotAPI

__all__ = ["DEFAULT_TOKEN", "Button", "FakeBotAPI", "Limits", "SentMessage"]
