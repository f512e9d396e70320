"""patterns: the token sequences the index looks for, and finding them in a document.

Every term alternative of every indexed query (a word, a phrase, a synonym) is one pattern: a
token sequence with a small integer id, kept while some query holds it. `find` reports which
patterns occur in a document's title and text tokens (`terms.tokens`), as contiguous runs.

Cost: a document is probed with one C-level intersection of its tokens with the patterns'
first tokens (not a dict probe per token in Python); a phrase whose first token occurs is
then looked up as a substring of the space-joined tokens. Tokens hold no spaces, so
" a b " occurs in " t1 t2 … " exactly where a, b is a contiguous run of tokens.

Pure code, no I/O. Must not import bot.
"""

from __future__ import annotations

from collections.abc import Sequence

Phrase = tuple[str, ...]


class Patterns:
    def __init__(self) -> None:
        self._ids: dict[Phrase, int] = {}
        self._tokens: dict[int, Phrase] = {}
        self._joined: dict[int, str] = {}  # phrases only: " a b ", to find in joined tokens
        self._users: dict[int, int] = {}  # id -> how many queries use it
        self._by_first: dict[str, list[int]] = {}  # first token -> ids of its patterns
        self._next = 0

    def __len__(self) -> int:
        return len(self._ids)

    def get(self, phrase: Phrase) -> int | None:
        """The id of a pattern in use, else None."""
        return self._ids.get(phrase)

    def tokens_of(self, pid: int) -> Phrase:
        return self._tokens[pid]

    def intern(self, phrase: Phrase) -> int:
        """The pattern's id, created if new. `hold` it while a query uses it."""
        pid = self._ids.get(phrase)
        if pid is None:
            self._next += 1
            pid = self._ids[phrase] = self._next
            self._tokens[pid] = phrase
            self._users[pid] = 0
            if len(phrase) > 1:
                self._joined[pid] = f" {' '.join(phrase)} "
            self._by_first.setdefault(phrase[0], []).append(pid)
        return pid

    def hold(self, pid: int) -> None:
        self._users[pid] += 1

    def release(self, pid: int) -> None:
        """One user fewer; the last one forgets the pattern."""
        self._users[pid] -= 1
        if self._users[pid]:
            return
        del self._users[pid]
        phrase = self._tokens.pop(pid)
        del self._ids[phrase]
        self._joined.pop(pid, None)
        same_first = self._by_first[phrase[0]]
        same_first.remove(pid)
        if not same_first:
            del self._by_first[phrase[0]]

    def find(self, title: Sequence[str], text: Sequence[str]) -> dict[int, str]:
        """Pattern id -> where it first occurs ("title" or "text")."""
        found: dict[int, str] = {}
        for where, toks in (("title", title), ("text", text)):
            joined = None
            for first in self._by_first.keys() & toks:  # iterates the tokens, in C
                for pid in self._by_first[first]:
                    if pid in found:
                        continue
                    phrase = self._joined.get(pid)
                    if phrase is not None:
                        joined = joined or f" {' '.join(toks)} "
                        if phrase not in joined:
                            continue
                    found[pid] = where
        return found
