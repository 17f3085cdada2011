"""Canonical text form of values, shared by the Parquet test readers.

Every reader (pyarrow, DuckDB, Spark) turns its values into the same JSON-friendly form so
the Swift tests can compare them with what they wrote: None for NULL, "true"/"false",
integers (also dates as days, timestamps as microseconds, decimals as the unscaled integer)
as decimal strings, floats as "f"/"d" + IEEE bits in hex ("nan" for any NaN), text as
itself, bytes as "x" + hex.
"""
import math
import struct
from decimal import Decimal


def boolean(v):
    return None if v is None else ("true" if v else "false")


def integer(v):
    return None if v is None else str(int(v))


def float32(v):
    if v is None:
        return None
    if math.isnan(v):
        return "nan"
    return "f" + struct.pack(">f", v).hex()


def float64(v):
    if v is None:
        return None
    if math.isnan(v):
        return "nan"
    return "d" + struct.pack(">d", v).hex()


def text(v):
    return None if v is None else str(v)


def binary(v):
    if v is None:
        return None
    if hasattr(v, "bytes") and not isinstance(v, (bytes, bytearray)):  # uuid.UUID
        v = v.bytes
    return "x" + bytes(v).hex()


def decimal(v, scale):
    """Exact unscaled integer of a Decimal (no context rounding)."""
    if v is None:
        return None
    if not isinstance(v, Decimal):
        v = Decimal(str(v))
    sign, digits, exponent = v.as_tuple()
    unscaled = int("".join(map(str, digits)) or "0")
    shift = exponent + scale
    unscaled = unscaled * 10 ** shift if shift >= 0 else unscaled // 10 ** (-shift)
    return str(-unscaled if sign else unscaled)
