"""The database schema, as an append-only list of versioned migrations for both dialects.

Rules (the same as Miniflux's internal/database/migrations.go):
- `MIGRATIONS[i].version == i + 1`. Never edit or reorder a migration that has shipped: add one.
- A backend applies each pending migration in ONE transaction together with the row that
  records it in `schema_version`, so a crash leaves the schema at a whole version.
- Every migration carries SQL for "sqlite" and "postgresql", so the PostgreSQL backend can be
  added later without touching the history.

Portable types only: TEXT, INTEGER/BIGINT, and floats spelled per dialect (REAL in SQLite,
DOUBLE PRECISION in PostgreSQL: both 8 bytes). TEXT primary keys say NOT NULL because SQLite,
unlike PostgreSQL, lets a NULL into one otherwise. Booleans are INTEGER 0/1 (one row mapping serves
both backends). Timestamps are TEXT in one fixed-width ISO-8601 UTC form,
`YYYY-MM-DDTHH:MM:SS.ffffffZ` (see `bot.store.rows.to_db_time`), chosen over epoch numbers
because the fixed width makes text order equal time order (so `<`, ORDER BY and indexes work
the same in both dialects), the values read as dates in `sqlite3` and `psql`, and there is no
TIMESTAMP-vs-TIMESTAMPTZ driver conversion to differ between aiosqlite and asyncpg.

The SQL of each version is in `bot.store.schema`. Pure data: no I/O. Must not import
bot.ingest, bot.channels or bot.delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.store import schema

Dialect = Literal["sqlite", "postgresql"]

# Run before reading the version, inside the migration transaction: creating the table is
# itself idempotent, so a fresh database and an up-to-date one take the same path.
BOOTSTRAP = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)"
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: Dialect) -> tuple[str, ...]:
        # One statement per string: sqlite3's executescript() would COMMIT behind our back.
        return self.sqlite if dialect == "sqlite" else self.postgresql


# PostgreSQL's spelling of SQLite's INTEGER PRIMARY KEY [AUTOINCREMENT]: a key never reused.
_IDENTITY = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"


def _dialect(statements: tuple[str, ...], **spellings: str) -> tuple[str, ...]:
    """Fill the {placeholders} a migration leaves to each dialect."""
    out = []
    for statement in statements:
        for name, spelling in spellings.items():
            statement = statement.replace("{" + name + "}", spelling)
        out.append(statement)
    return tuple(out)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="source state, items, sources, revisions, hashes, tombstones",
        sqlite=_dialect(schema.V1, revision_id="INTEGER PRIMARY KEY"),
        postgresql=_dialect(schema.V1, revision_id=_IDENTITY),
    ),
    Migration(
        version=2,
        description="subscribers, subscriptions, mutes, item tags, item matches",
        sqlite=_dialect(schema.V2, serial="INTEGER PRIMARY KEY AUTOINCREMENT"),
        postgresql=_dialect(schema.V2, serial=_IDENTITY),
    ),
    Migration(
        version=3,
        description="stories, story items",
        sqlite=_dialect(schema.V3, real="REAL"),
        postgresql=_dialect(schema.V3, real="DOUBLE PRECISION"),
    ),
    Migration(
        version=4,
        description="the outbox: alerts, threads",
        sqlite=_dialect(schema.V4, serial="INTEGER PRIMARY KEY AUTOINCREMENT"),
        postgresql=_dialect(schema.V4, serial=_IDENTITY),
    ),
    Migration(
        version=5,
        description="subscribers' quiet hours",
        # "22:00-07:00" in the subscriber's time zone; '' = none.
        sqlite=("ALTER TABLE subscribers ADD COLUMN quiet_hours TEXT NOT NULL DEFAULT ''",),
        postgresql=("ALTER TABLE subscribers ADD COLUMN quiet_hours TEXT NOT NULL DEFAULT ''",),
    ),
    Migration(
        version=6,
        description="digests; alerts remember their subscriptions and the parts already sent",
        sqlite=schema.V6,
        postgresql=schema.V6,
    ),
    Migration(
        version=7,
        description="worker heartbeats",
        sqlite=schema.V7,
        postgresql=schema.V7,
    ),
    Migration(
        version=8,
        description="sources remember why they wait, and a 410 Gone that disabled them",
        sqlite=schema.V8,
        postgresql=schema.V8,
    ),
    Migration(
        version=9,
        description="floods: what a refresh held back; flood notices in the outbox",
        sqlite=schema.V9_SQLITE,
        postgresql=schema.V9_POSTGRESQL,
    ),
)

LATEST = len(MIGRATIONS)


def pending(current: int) -> tuple[Migration, ...]:
    """The migrations to apply, in order, to a database at version `current`."""
    return MIGRATIONS[current:]
