"""The project's exception families. Callers catch by family, never by leaf.

    AlertbotError
     ├── ConfigError          bad config file, key or value: names key, value, what is allowed
     ├── StoreError           the database could not be opened, migrated or written
     ├── Transient            worth retrying later (network down, 5xx, 429): retry_after
     └── Permanent            retrying cannot help (403 blocked, 400 bad request); carries a reason

Fetching does not raise these: it classifies outcomes into `bot.models.FetchResult`.
Must not import anything from the project.
"""

from __future__ import annotations


class AlertbotError(Exception):
    """Base of everything alertbot raises on purpose."""


class ConfigError(AlertbotError):
    """A configuration problem, phrased for the operator who has to fix it."""


class StoreError(AlertbotError):
    """The store could not do what was asked."""


class Transient(AlertbotError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Permanent(AlertbotError):
    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message
