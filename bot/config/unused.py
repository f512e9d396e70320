"""Sections the config accepts but nothing reads yet, so none is ignored silently: the
composition root warns once at start-up for each one that is configured.

When a channel is built, its line in NOT_BUILT_YET goes. Must not import anything from the
project.
"""

from __future__ import annotations

from pydantic import BaseModel

NOT_BUILT_YET = {
    "discord": "the Discord channel is not built, so nothing is sent to Discord",
    "email": "the email channel is not built, so no email is sent",
}


def unused_sections(settings: BaseModel) -> dict[str, str]:
    """Each section of NOT_BUILT_YET changed from its defaults, with why it does nothing."""
    found = {}
    for section, why in NOT_BUILT_YET.items():
        value = getattr(settings, section)
        if value != type(value)():
            found[section] = why
    return found
