"""A source's local time zone, for the schedule's night: its own `timezone` if set, else its
jurisdiction's. Federal agencies keep Washington's hours (America/New_York); a state's
agencies — and a county's or a city's — keep their state capital's, as the `us` package knows
it (Sacramento's America/Los_Angeles for California). A place in no single state (a region
across state lines) keeps Washington's hours too.

Must not import bot.store, bot.channels or bot.delivery.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.models import Source
from subscriptions.gazetteer import Gazetteer, UnknownPlace

FEDERAL_ZONE = "America/New_York"


def zone_of(source: Source, gazetteer: Gazetteer) -> ZoneInfo:
    return ZoneInfo(source.timezone or jurisdiction_zone(source.jurisdiction, gazetteer))


def jurisdiction_zone(jurisdiction: str, gazetteer: Gazetteer) -> str:
    """The IANA zone name of a jurisdiction ("federal", a state, county or city name)."""
    import us  # its state table costs ~35 ms to import: only for the worker, not every CLI

    try:
        states = gazetteer.states_of(gazetteer.resolve(jurisdiction).id)
    except UnknownPlace:
        return FEDERAL_ZONE
    if len(states) != 1:
        return FEDERAL_ZONE
    (state_id,) = states  # "us-ca"
    state = us.states.lookup(state_id.removeprefix("us-").upper(), field="abbr")
    return (state.capital_tz if state else None) or FEDERAL_ZONE
