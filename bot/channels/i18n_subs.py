"""Spanish for the English the subscriptions library writes: QueryError and ServiceError
messages and hints, and `describe()` lines ("detainer (also matching: ICE hold) · in X").

The library phrases its messages for users in English; rather than teach it languages, the
chat side translates them here by pattern. A message no pattern knows is shown in English,
which is better than nothing: tests/channels/test_commands.py provokes every message the
library can write and checks that each has a translation.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import re

_Q = "\"'“”«»"  # the quotes the library may put around a name

# (pattern on the whole English text, Spanish template with {1}, {2}… for the groups)
_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"unclosed quote", "comillas sin cerrar"),
    (r"empty quotes", "comillas vacías"),
    (r"no space after the closing quote", "falta un espacio después de las comillas de cierre"),
    (r"stray quote", "comillas sueltas"),
    (r"parentheses are not supported", "no se admiten paréntesis"),
    (r"nothing to exclude after '(.)'", "no hay nada que excluir después de «{1}»"),
    (r'unknown filter "(.*)"', "filtro desconocido «{1}»"),
    (r"(\w+): cannot be excluded", "{1}: no se puede excluir"),
    (r"(\w+): needs a value", "{1}: necesita un valor"),
    (r"OR has no term before it", "OR no tiene ningún término delante"),
    (r"OR has no term after it", "OR no tiene ningún término detrás"),
    (r"OR joins terms, not exclusions", "OR une términos, no exclusiones"),
    (r"OR joins terms, not (\w+): filters", "OR une términos, no filtros {1}:"),
    (r"nothing to match in '(.*)'", "no hay nada que buscar en «{1}»"),
    (r'unknown place "(.*)"', "lugar desconocido «{1}»"),
    (r'unknown source "(.*)"', "fuente desconocida «{1}»"),
    (r"query is too long \((\d+) characters; the most is (\d+)\)",
     "la búsqueda es demasiado larga ({1} caracteres; el máximo es {2})"),
    (r"too many terms \(the most is (\d+)\)", "demasiados términos (el máximo es {1})"),
    (r"only exclusions", "solo hay exclusiones"),
    (r"a query needs at least one term or in:/from:",
     "una búsqueda necesita al menos un término o in:/from:"),
    # ServiceError
    (r"you have (\d+) subscriptions, the most allowed is (\d+): /unsubscribe one first "
     r"\(/list shows them\)",
     "tienes {1} suscripciones y el máximo es {2}: cancela una antes con /unsubscribe "
     "(/list las muestra)"),
    (r"you have (\d+) subscriptions, the most allowed is (\d+)",
     "tienes {1} suscripciones y el máximo es {2}"),
    (r"you have no subscriptions( yet)?; /subscribe <query> adds one",
     "no tienes suscripciones; /subscribe <búsqueda> añade una"),
    (r"say which: /unsubscribe <number> \(see /list\) or /unsubscribe all",
     "di cuál: /unsubscribe <número> (mira /list) o /unsubscribe all"),
    (r"['\"](.*)['\"] is not a subscription number; use a number from /list, or 'all'",
     "«{1}» no es un número de suscripción; usa un número de /list, o «all»"),
    (r"there is no subscription number (\d+); you have (\d+) \((.*)\), /list shows them",
     "no existe la suscripción número {1}; tienes {2} ({3}), /list las muestra"),
)

_HINTS: tuple[tuple[str, str], ...] = (
    (r'add a closing " after the phrase', 'añade unas comillas " al final de la frase'),
    (r'put words between them, e\.g\. "ICE hold"',
     'pon palabras entre ellas, p. ej. "ICE hold"'),
    (r"add a space after it", "añade un espacio después"),
    (r'quotes go around a phrase, e\.g\. "ICE hold"',
     'las comillas rodean una frase, p. ej. "ICE hold"'),
    (r"OR binds first: a OR b c means \(a OR b\) c",
     "OR se aplica primero: a OR b c significa (a OR b) c"),
    (r"write -word to leave out items that mention it, e\.g\. -football",
     "escribe -palabra para dejar fuera lo que la mencione, p. ej. -football"),
    (r"did you mean (.*)\?", "¿quisiste decir {1}?"),
    (r"filters are in: \(a place\) and from: \(a source\); to search for the text, quote it",
     "los filtros son in: (un lugar) y from: (una fuente); para buscar el texto, ponlo entre "
     "comillas"),
    (r'name a place, e\.g\. in:California or in:"Los Angeles County"',
     'nombra un lugar, p. ej. in:California o in:"Los Angeles County"'),
    (r"name a source or agency, e\.g\. from:ice \(/sources lists them\)",
     "nombra una fuente o agencia, p. ej. from:ice (/sources las muestra)"),
    (r'put a term on each side, e\.g\. detainer OR "ICE hold"',
     'pon un término a cada lado, p. ej. detainer OR "ICE hold"'),
    (r"write -a -b to exclude both", "escribe -a -b para excluir ambos"),
    (r"several (\w+): already mean either", "varios {1}: ya significan «cualquiera de ellos»"),
    (r"use letters or numbers", "usa letras o números"),
    (r"no similar place found", "no encontré ningún lugar parecido"),
    (r"/sources lists them", "/sources las muestra"),
    (r"shorten it or split it in two", "acórtala o divídela en dos"),
    (r"split the query into several subscriptions", "divide la búsqueda en varias suscripciones"),
    (r'add a term to match, e\.g\. "detainer -football"',
     'añade un término que buscar, p. ej. "detainer -football"'),
    (r"e\.g\. detainer in:California", "p. ej. detainer in:California"),
    (r"/unsubscribe one first", "cancela una antes con /unsubscribe"),
)

_COMPILED = {
    "messages": [(re.compile(p, re.DOTALL), s) for p, s in _MESSAGES],
    "hints": [(re.compile(p, re.DOTALL), s) for p, s in _HINTS],
}


def _apply(table: str, text: str) -> str | None:
    for pattern, template in _COMPILED[table]:
        found = pattern.fullmatch(text)
        if found:
            groups = [_or(g or "") for g in found.groups()]
            return template.format(None, *groups)
    return None


def _or(text: str) -> str:
    """'"A", "B" or "C"' → '"A", "B" o "C"': only the joining word, never inside quotes."""
    return re.sub(f'([{_Q}]) or ([{_Q}])', r"\1 o \2", text)


def message(lang: str, text: str) -> str:
    """A library error message (or a ServiceError's whole text) in `lang`."""
    if lang != "es":
        return text
    return _apply("messages", text) or text


def hint(lang: str, text: str) -> str:
    if lang != "es":
        return text
    return _apply("hints", text) or text


def known(text: str, *, is_hint: bool = False) -> bool:
    """Does a Spanish translation exist for this library text? (for tests)"""
    return _apply("hints" if is_hint else "messages", text) is not None


_PARTS = (("not ", "sin "), ("in ", "en "), ("from ", "de "))
_LABELS = (("(also matching: ", "(también: "), ("(also excluding: ", "(también sin: "))


def description(lang: str, text: str) -> str:
    """A `describe()` line in `lang`. Its grammar is fixed by the library: parts joined by
    " · ", each "terms", "not terms", "in places" or "from sources"; terms joined by " or "
    with an optional "(also matching: …)". User words stay as written."""
    if lang != "es":
        return text
    return " · ".join(_part(p) for p in text.split(" · "))


def _part(part: str) -> str:
    if part == "everything":
        return "todo"
    head = ""
    for en, es in _PARTS:
        if part.startswith(en):
            head, part = es, part[len(en):]
            break
    for en, es in _LABELS:
        part = part.replace(en, es)
    return head + _joins(part)


def _joins(text: str) -> str:
    """" or " → " o " outside quotes: a user's phrase "ICE or CBP" keeps its words."""
    pieces = re.split(r'("[^"]*")', text)
    return "".join(p if p.startswith('"') else p.replace(" or ", " o ") for p in pieces)
