"""`outcome_of`, the one mapping from Telegram's errors to what the dispatcher does, case by
case: whose failure it is (the destination's, counted against the alert; or the channel's,
which only delays it) and what follows from it."""

from __future__ import annotations

import warnings

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.telegram import REFUSED, outcome_of

TOKEN = "123456789:AAFakeTokenForAlertbotTests-0123456789"


def rate_limited() -> RetryAfter:
    with warnings.catch_warnings():  # PTB 22 warns of the int form, whichever is given
        warnings.simplefilter("ignore")
        return RetryAfter(3)


@pytest.mark.parametrize(("error", "expected"), [
    # The destination's: this alert, this chat.
    (Forbidden("Forbidden: bot was blocked by the user"),
     ("permanent", "destination", "Forbidden: bot was blocked by the user")),
    (BadRequest("Bad Request: chat not found"),
     ("permanent", "destination", "Chat not found")),  # PTB's wording of it
    (ChatMigrated(-1_000_000_004_711), ("permanent", "destination", "chat migrated")),
    (rate_limited(), ("retry", "destination", "rate limited")),
    (TelegramError("Invalid server response"),
     ("retry", "destination", "TelegramError: Invalid server response")),
    # The channel's: nothing wrong with the alert.
    (InvalidToken("Unauthorized"), ("retry", "channel", REFUSED)),
    (InvalidToken(f"The token `{TOKEN}` was rejected by the server."),
     ("retry", "channel", REFUSED)),
    (NetworkError("Bad Gateway"), ("retry", "channel", "Bad Gateway")),
    (NetworkError("Internal Server Error"), ("retry", "channel", "Internal Server Error")),
    (TimedOut("Timed out"), ("retry", "channel", "Timed out")),
    (NetworkError("httpx.ConnectError: All connection attempts failed"),
     ("retry", "channel", "httpx.ConnectError: All connection attempts failed")),
])
def test_whose_failure_it_is(error: TelegramError, expected: tuple[str, str, str]) -> None:
    result = outcome_of(error)
    assert (result.status, result.scope, result.reason) == expected
    assert result.rejected == isinstance(error, InvalidToken)  # our credentials, refused
    assert result.deactivate == isinstance(error, Forbidden)
    assert TOKEN not in result.reason
