from __future__ import annotations

import pytest

from ingestion.identifiers import (
    format_isrc,
    gtin_check_digit,
    is_valid_gtin,
    is_valid_isrc,
    make_upc,
    normalize_gtin,
    normalize_isrc,
)


@pytest.mark.parametrize("delivered", ["US-S1Z-99-00001", "USS1Z9900001", "isrc uss1z9900001", " US S1Z 99 00001 "])
def test_isrc_forms_normalise_to_one_recording(delivered: str) -> None:
    assert normalize_isrc(delivered) == "USS1Z9900001"
    assert is_valid_isrc(delivered)


@pytest.mark.parametrize("bad", ["DEZ12", "US-S1Z-99-0001", "1SS1Z9900001", "USS1Z99000012", "USS1Z99A0001"])
def test_malformed_isrcs_are_rejected(bad: str) -> None:
    assert not is_valid_isrc(bad)


def test_format_isrc() -> None:
    assert format_isrc("GB", "NPR", 2025, 7) == "GBNPR2500007"
    assert format_isrc("GB", "NPR", 2025, 7, hyphenated=True) == "GB-NPR-25-00007"


def test_gtin_check_digits_of_known_products() -> None:
    assert gtin_check_digit("03600029145") == 2  # UPC-A 036000291452
    assert is_valid_gtin("036000291452")
    assert is_valid_gtin("4006381333931")  # EAN-13
    assert not is_valid_gtin("4006381333932")
    assert not is_valid_gtin("03600029145")


def test_upc_a_and_ean_13_with_leading_zero_are_one_product() -> None:
    upc = make_upc("03600029145")
    assert upc == "036000291452"
    assert normalize_gtin(upc) == normalize_gtin("0" + upc)
    with pytest.raises(ValueError):
        make_upc("123")
