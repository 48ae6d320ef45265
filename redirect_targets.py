"""Where a redirect the client names (`next`) may lead: a path of this site, read so it cannot fail."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2048
_DECODINGS = 3  # "%252F" is "%2F" is "/": every layer a careless decoder downstream might peel


def same_site_path(target: object, default: str = "/") -> str:
    """`target` when it is a path of this site, else `default`; never raises, whatever it holds.

    Refused: anything but text of at most MAX_LENGTH characters; any control or space character
    (browsers drop tabs and newlines, so "/\\t/host" is "//host"); what urlsplit cannot parse
    ("//[" is a ValueError) or finds a scheme or a host in ("javascript:", "//host"); a path that
    does not start with one "/" or holds a backslash (browsers read "/\\host" as "//host"); and
    the same for the path after each layer of percent-decoding ("/%2F%2Fhost", "/%5Chost"), so an
    encoded spelling passes no more than its plain one. The query is the page's own business.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return default
    if any(char.isspace() or not char.isprintable() for char in target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc or target.startswith("//"):  # "///host" has an empty netloc
        return default
    path = parts.path
    for _ in range(_DECODINGS + 1):
        if not _is_local_path(path):
            return default
        decoded = unquote(path)
        if decoded == path:
            return target
        path = decoded
    return default  # still encoded after every layer we peel: no honest link is


def _is_local_path(path: str) -> bool:
    return (
        path.startswith("/") and not path.startswith("//") and "\\" not in path
        and not any(char.isspace() or not char.isprintable() for char in path)
    )
