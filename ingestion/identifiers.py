"""Music-industry identifiers: ISRC (recordings) and GTIN/UPC/EAN (releases).

Both the sample generator and the connectors use this module, so that what is generated as
valid is exactly what is accepted as valid (see shared/domain.md, "Identifiers").
"""

from __future__ import annotations

import re

_ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")


def normalize_isrc(value: str) -> str:
    """Return the 12-character canonical form: no 'ISRC' prefix, spaces or hyphens, upper case.

    `US-S1Z-99-00001`, `isrc USS1Z9900001` and `USS1Z9900001` are the same recording.
    """
    text = value.strip().upper()
    if text.startswith("ISRC"):
        text = text[4:]
    return text.replace("-", "").replace(" ", "")


def is_valid_isrc(value: str) -> bool:
    """ISRC has no check digit: validity is its shape (country, registrant, year, designation)."""
    return bool(_ISRC_RE.match(normalize_isrc(value)))


def format_isrc(country: str, registrant: str, year: int, designation: int, *, hyphenated: bool = False) -> str:
    code = f"{country}{registrant}{year % 100:02d}{designation:05d}"
    if hyphenated:
        return f"{code[:2]}-{code[2:5]}-{code[5:7]}-{code[7:]}"
    return code


def gtin_check_digit(data_digits: str) -> int:
    """GS1 mod-10: weights 3,1,3,1,… from the rightmost data digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data_digits)))
    return (10 - total % 10) % 10


def is_valid_gtin(value: str) -> bool:
    """UPC-A (12), EAN-13 (13) or GTIN-14 (14) digits with a correct check digit."""
    text = value.strip()
    if not text.isdigit() or len(text) not in (12, 13, 14):
        return False
    return gtin_check_digit(text[:-1]) == int(text[-1])


def normalize_gtin(value: str) -> str:
    """GTIN-14 form, so that a UPC-A and the EAN-13 with a leading 0 compare equal."""
    return value.strip().zfill(14)


def make_upc(prefix_and_item: str) -> str:
    """Append the check digit to 11 data digits, giving a UPC-A."""
    if len(prefix_and_item) != 11 or not prefix_and_item.isdigit():
        raise ValueError(f"a UPC-A has 11 data digits, got {prefix_and_item!r}")
    return prefix_and_item + str(gtin_check_digit(prefix_and_item))
