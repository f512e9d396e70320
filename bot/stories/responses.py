"""Responses: an item of one side answering an item of the other, with the time it took.

The sides are federal (DHS, ICE, any "federal" source) and a state (the California Governor
and Attorney General). A Governor statement about a DHS release in the same story is a
response; so is DHS answering the Governor. Being in the same story is the main evidence
(the clusterer decided that); `find_response` adds the checks a reply must pass: the other
side, later but within a window, and text that refers to the other side (its agency or
officials, reply words such as "disputes" or "misleading", or a shared key figure).
Pure: no I/O, no clock. Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.models import FEDERAL
from bot.stories.facts import figures, norm_figure
from bot.stories.members import StoryMember

RESPONSE_WINDOW = timedelta(days=14)
_FEDERAL_AGENCIES = frozenset({"dhs", "ice", "cbp", "uscis", "doj", "whitehouse"})
_LABELS = {"governor": "California", "ag": "California", "dhs": "DHS", "ice": "ICE"}

# Acronyms are matched case-sensitively: "ice" in running text is frozen water.
_NAMES_FEDERAL = (
    re.compile(r"\b(?:DHS|ICE|CBP)\b"),
    re.compile(
        r"\b(?:homeland security|immigration and customs enforcement|trump|federal|"
        r"white house|noem|lyons|mclaughlin)\b",
        re.IGNORECASE,
    ),
)
_NAMES_STATE = (
    re.compile(r"\b(?:CDCR)\b"),
    re.compile(
        r"\b(?:newsom|bonta|governor|attorney general|sanctuary california|"
        r"california officials|state officials)\b",
        re.IGNORECASE,
    ),
)
_REPLY_WORDS = re.compile(
    r"\b(?:respond(?:s|ed)?|response|disput(?:e|es|ed)|claim(?:s|ed)?|false(?:ly)?|"
    r"misleading|statement|lies?|debunk(?:s|ed)?|den(?:y|ies|ied)|rebut(?:s|ted)?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Response:
    item_key: str
    responds_to: str
    lag_seconds: float
    responder: str  # agency of the responder


def side(member: StoryMember) -> str:
    """"federal", or the state's name case-folded ("california")."""
    if member.agency.casefold() in _FEDERAL_AGENCIES or member.jurisdiction == FEDERAL:
        return FEDERAL
    return member.jurisdiction.casefold()


def find_response(
    new: StoryMember, earlier: Sequence[StoryMember], *, window: timedelta = RESPONSE_WINDOW
) -> Response | None:
    """The most recent earlier item `new` answers, or None."""
    if new.published is None:
        return None
    best: StoryMember | None = None
    for other in earlier:
        if other.published is None or other.item_key == new.item_key:
            continue
        lag = new.published - other.published
        if not timedelta(0) < lag <= window or not _opposed(new, other):
            continue
        if not _refers_to(new, other):
            continue
        # ">=": of two equally recent items, the later one in the timeline wins.
        if best is None or best.published is None or other.published >= best.published:
            best = other
    if best is None or best.published is None:
        return None
    return Response(
        item_key=new.item_key,
        responds_to=best.item_key,
        lag_seconds=(new.published - best.published).total_seconds(),
        responder=new.agency,
    )


def describe_lag(seconds: float, responder: str) -> str:
    """"California responded 5 h later", "DHS responded 2 days later", "… 40 min later"."""
    who = _LABELS.get(responder.casefold(), responder)
    return f"{who} responded {_duration(seconds)} later"


def _duration(seconds: float) -> str:
    # Rounded at each scale before choosing it, so 59.9 min reads "1 h", not "60 min".
    s = seconds if math.isfinite(seconds) and seconds > 0 else 0.0
    minutes = max(1, round(s / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = round(s / 3600)
    if hours < 24:
        return f"{hours} h"
    days = round(s / 86400)
    return "1 day" if days == 1 else f"{days} days"


def _opposed(a: StoryMember, b: StoryMember) -> bool:
    """One federal, one state: two states or two federal agencies are not answering."""
    sides = {side(a), side(b)}
    return len(sides) == 2 and FEDERAL in sides


def _refers_to(new: StoryMember, other: StoryMember) -> bool:
    text = f"{new.title}\n{new.text}"
    names = _NAMES_FEDERAL if side(other) == FEDERAL else _NAMES_STATE
    if any(p.search(text) for p in names) or _REPLY_WORDS.search(text):
        return True
    return bool(_key_figures(text) & _key_figures(f"{other.title}\n{other.text}"))


def _key_figures(text: str) -> set[str]:
    """Figures of 3+ digits that are not years: "33,179" links two texts, "2025" does not."""
    out = set()
    for f in figures(text):
        n = norm_figure(f)
        if len(n) >= 3 and n.isdigit() and not (len(n) == 4 and n[:2] in ("19", "20")):
            out.add(n)
    return out
