"""The one strict JSON parser: every request body and every JWS segment is read through `loads`.

Limits (API.md, "Limits every request meets"): at most MAX_BYTES of UTF-8, nested at most MAX_DEPTH
deep, numbers finite (no NaN, Infinity, or 1e400 that overflows to it), integers within signed 64
bits (the widest column), each object member once, no lone surrogate (no database can store one),
and every string, member names too, NFC-normalised so one text has one spelling. Anything else is a
StrictJsonError (a ValueError), never a RecursionError or an OverflowError further on.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

MAX_BYTES = 64 * 1024
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INT64_DIGITS = len(str(INT64_MIN))  # sign included: a longer literal is out of range unread
_SURROGATE = re.compile("[\ud800-\udfff]")


class StrictJsonError(ValueError):
    """The text is not JSON within the limits; the message says which limit, for the client."""


def _integer(literal: str) -> int:
    if len(literal) > _INT64_DIGITS:  # also spares int() a 5,000-digit conversion
        raise StrictJsonError("an integer is beyond 64 bits")
    number = int(literal)
    if not INT64_MIN <= number <= INT64_MAX:
        raise StrictJsonError("an integer is beyond 64 bits")
    return number


def _finite(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise StrictJsonError("a number is too large")
    return number


def _constant(name: str) -> None:
    raise StrictJsonError(f"{name} is not a number JSON allows")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise StrictJsonError("an object has a member twice")
    return obj


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object, parse_int=_integer, parse_float=_finite, parse_constant=_constant, strict=True
)


def loads(data: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `data`, within the limits, or StrictJsonError saying which was passed."""
    if isinstance(data, bytes | bytearray):
        if len(data) > max_bytes:
            raise StrictJsonError(f"larger than {max_bytes // 1024} KiB")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise StrictJsonError("not UTF-8") from None
    else:
        text = data
        if len(text) > max_bytes:
            raise StrictJsonError(f"larger than {max_bytes // 1024} KiB")
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        # CPython's parser itself stops near its recursion limit (about 1,000 levels), so what
        # reaches the walk below is bounded; deeper is refused here, as deep as it is.
        raise StrictJsonError(f"nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as error:
        raise StrictJsonError(f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    # Only a \u escape can spell a surrogate (the UTF-8 decoder refuses them as bytes).
    return _checked(value, 0, max_depth, "\\u" in text)


def _checked(value: Any, depth: int, max_depth: int, escapes: bool) -> Any:
    """The value with every string NFC, refusing what is nested deeper than `max_depth`."""
    if isinstance(value, str):
        return _text(value, escapes)
    if isinstance(value, dict):
        if depth >= max_depth:
            raise StrictJsonError(f"nested deeper than {max_depth} levels")
        obj = {_text(k, escapes): _checked(v, depth + 1, max_depth, escapes) for k, v in value.items()}
        if len(obj) != len(value):  # two names that differ only in their Unicode spelling
            raise StrictJsonError("an object has a member twice")
        return obj
    if isinstance(value, list):
        if depth >= max_depth:
            raise StrictJsonError(f"nested deeper than {max_depth} levels")
        return [_checked(item, depth + 1, max_depth, escapes) for item in value]
    return value  # a number (already checked as it was read), true, false or null


def _text(value: str, escapes: bool) -> str:
    if value.isascii():  # a JWS, a KATO code, an enum: nothing to normalise, nothing to refuse
        return value
    if escapes and _SURROGATE.search(value):
        raise StrictJsonError("a string holds a lone surrogate")
    return unicodedata.normalize("NFC", value)


def nfc(value: str) -> str:
    """`value` in NFC (form fields are normalised with the same rule as JSON strings)."""
    return value if value.isascii() else unicodedata.normalize("NFC", value)
