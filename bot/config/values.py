"""Value types of the settings models, with the rules that make a value usable, not just typed.

- `Array[T]`: a TOML array (it arrives as a list) kept as a tuple, its members checked as `T`.
- `HttpAddress` / `OptionalHttpAddress`: an absolute http(s) address with a valid host
  (IDNA allowed), a port from 1 to 65535, and nothing httpx would refuse at fetch time.
  The value is kept as the user wrote it; the parsers only judge it.
- `HostPort`: `host:port` to listen on (`[::1]:8080` for IPv6), or empty.
- `StorageUrl`: `sqlite:///path` to a file (never an in-memory database: all state would be
  lost at exit) or `postgresql://` with a host (or a socket) and a database name.
- `Token`: a secret sent in HTTP requests: no spaces, line breaks or non-ASCII characters.
- `HeaderText`: text sent as an HTTP header value (printable ASCII).

Each rule raises ValueError with what is wrong and what to write instead; pydantic turns it
into an error at the key. Must not import anything from the project.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import AfterValidator, AnyUrl, BeforeValidator, ValidationError

T = TypeVar("T")
_EXAMPLE = "e.g. https://www.example.gov/news/feed"


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# Settings are strict (no coercion), and a strict tuple refuses the list TOML gives.
Array = Annotated[tuple[T, ...], BeforeValidator(_tuple)]


def http_address(value: str) -> str:
    problem = address_problem(value)
    if problem:
        raise ValueError(f"{problem}; expected an absolute http:// or https:// address, "
                         f"{_EXAMPLE}")
    return value


def optional_http_address(value: str) -> str:
    return http_address(value) if value else value


def address_problem(value: str) -> str | None:
    """What makes `value` unusable as an http(s) address, or None if nothing does."""
    if value != value.strip():
        return "it starts or ends with a space"
    if not value.isprintable():
        return "it contains a control character (a tab or a line break?)"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:  # an unclosed IPv6 bracket, a port that is not a number
        return _parse_problem(str(exc))
    if parts.scheme.lower() not in ("http", "https") or not value.lower().startswith(
            f"{parts.scheme.lower()}://"):
        return "the address must start with http:// or https://"
    host = parts.hostname or ""
    if not host:
        return "it has no host name after the //"
    if any(ch.isspace() for ch in host):
        return f"the host {host!r} has a space in it"
    if port == 0:
        return "port 0 is not a port: use 1 to 65535"
    return _whatwg_problem(value) or _httpx_problem(value)


def _whatwg_problem(value: str) -> str | None:
    """The WHATWG parser (pydantic's URL) judges the host: IPv4, IPv6, IDNA, port range."""
    try:
        AnyUrl(value)
    except ValidationError as exc:
        reason = str(exc.errors()[0].get("ctx", {}).get("error", "not a valid address"))
        return _parse_problem(reason)
    return None


def _httpx_problem(value: str) -> str | None:
    """httpx is what fetches: anything it would refuse is refused now, not at fetch time."""
    try:
        httpx.URL(value)
    except httpx.InvalidURL as exc:
        return str(exc).rstrip(".")
    return None


def _parse_problem(reason: str) -> str:
    reason = reason.lower()
    if "port" in reason:
        return "the port must be a number from 1 to 65535"
    if "ipv6" in reason:
        return "the IPv6 host is not valid (it goes in brackets: http://[2001:db8::1]:8080/)"
    if "ipv4" in reason:
        return "the IPv4 host is not valid (four numbers from 0 to 255)"
    if "domain" in reason:
        return "the host is not a valid domain name"
    return reason


def host_port(value: str) -> str:
    """`host:port` to listen on, or empty (no web server)."""
    if not value:
        return value
    host, sep, port = value.rpartition(":")
    usage = "expected host:port, e.g. 127.0.0.1:8080 or [::1]:8080 (or empty to disable)"
    if not sep or not host or not (port.isascii() and port.isdigit()):
        raise ValueError(usage)
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"port {port} is out of range: use 1 to 65535")
    if host.count("[") != host.count("]"):
        raise ValueError("the [ ] around the IPv6 host are not balanced, e.g. [::1]:8080")
    if ":" in host and not (host.startswith("[") and host.endswith("]")):
        raise ValueError("an IPv6 host goes in brackets, e.g. [::1]:8080")
    as_url = f"http://{value}/"
    problem = address_problem(as_url)
    if problem or "@" in value or urlsplit(as_url).netloc != value:
        raise ValueError(f"{problem or 'not a host name'}; {usage}")
    return value


def storage_url(value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if sep and scheme == "sqlite":
        return _sqlite(value, rest)
    if sep and scheme in ("postgresql", "postgres"):
        return _postgres(value)
    raise ValueError("expected sqlite:///path/to/file.db or postgresql://user@host/db")


def _sqlite(value: str, rest: str) -> str:
    keep = ("write sqlite:///alertbot.db (relative to the working directory) or "
            "sqlite:////var/lib/alertbot/alertbot.db (absolute)")
    path = rest.removeprefix("/")
    if ":memory:" in rest or "mode=memory" in rest:
        raise ValueError(f"an in-memory database loses all state at exit; {keep}")
    if not path.strip():
        raise ValueError(f"no database file named: all state would be lost at exit; {keep}")
    if not rest.startswith("/"):
        raise ValueError(f"expected three slashes then the file; {keep}")
    if path.endswith("/"):
        raise ValueError(f"{path!r} names a directory: add the file name; {keep}")
    return value


def _postgres(value: str) -> str:
    usage = "expected postgresql://user@host/dbname or postgresql:///dbname?host=/run/postgresql"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- reading it is what checks the range
    except ValueError:
        raise ValueError(f"the port must be a number from 1 to 65535; {usage}") from None
    if not (parts.hostname or parse_qs(parts.query).get("host")):
        raise ValueError(f"a host (or a socket directory in ?host=) is needed; {usage}")
    if not parts.path.strip("/"):
        raise ValueError(f"a database name is needed after the host; {usage}")
    return value


def token(value: str) -> str:
    if not (value.isascii() and value.isprintable()) or " " in value:
        raise ValueError("it contains a space, a line break or a non-ASCII character: "
                         "copy the token again without them")
    return value


def header_text(value: str) -> str:
    if not (value.isascii() and value.isprintable()):
        raise ValueError("it is sent as an HTTP header: use printable ASCII characters only, "
                         "no line breaks or accents")
    return value


HttpAddress = Annotated[str, AfterValidator(http_address)]
OptionalHttpAddress = Annotated[str, AfterValidator(optional_http_address)]
HostPort = Annotated[str, AfterValidator(host_port)]
StorageUrl = Annotated[str, AfterValidator(storage_url)]
Token = Annotated[str, AfterValidator(token)]
HeaderText = Annotated[str, AfterValidator(header_text)]
