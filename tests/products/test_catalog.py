"""The shipped licence name table and lookups in it."""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

from integrations.graph.products import Product, ProductCatalog, load_catalog

# Microsoft's own GUIDs and names, as its licensing reference lists them.
KNOWN = [
    ("05e9a617-0261-4cee-bb44-138d3ef5d965", "SPE_E3", "Microsoft 365 E3"),
    ("078d2b04-f1bd-4111-bbd4-b4b1b354cef4", "AAD_PREMIUM", "Microsoft Entra ID P1"),
    ("cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", "SPB", "Microsoft 365 Business Premium"),
    (
        "639dec6b-bb19-468b-871c-c5c441c4b0cb",
        "Microsoft_365_Copilot",
        "Microsoft Copilot for Microsoft 365",
    ),
    (
        "15f2e9fc-b782-4f73-bf51-81d8b7fff6f4",
        "Microsoft_Copilot_for_Sales",
        "Microsoft 365 Copilot for Sales",
    ),
]


def shipped_rows() -> list[list[str]]:
    text = resources.files("integrations.graph").joinpath("products.csv").read_text("utf-8")
    return list(csv.reader(io.StringIO(text)))


def test_shipped_table_names_the_products_msps_sell() -> None:
    catalog = load_catalog(None)
    for guid, part_number, name in KNOWN:
        assert catalog.by_sku_id(guid) == Product(guid, part_number, name)
        assert catalog.name(guid, part_number) == name


def test_shipped_table_is_compact_unique_and_sorted_by_part_number() -> None:
    header, *rows = shipped_rows()
    assert header == ["guid", "string_id", "product_name"]
    assert len(rows) >= 400
    assert all(len(row) == 3 and all(row) for row in rows)
    guids = [row[0] for row in rows]
    assert len(set(guids)) == len(guids)
    assert all(guid == guid.lower() for guid in guids)
    part_numbers = [row[1].casefold() for row in rows]
    assert part_numbers == sorted(part_numbers)
    assert len(load_catalog(None)) == len(rows)


def test_shipped_table_is_parsed_once_per_process() -> None:
    assert load_catalog(None) is load_catalog(None)


def test_a_missing_override_falls_back_to_the_shipped_table(tmp_path: Path) -> None:
    assert load_catalog(tmp_path / "never-refreshed.csv") is load_catalog(None)


def test_lookups_ignore_case_and_surrounding_space() -> None:
    catalog = load_catalog(None)
    e3 = catalog.by_sku_id("05E9A617-0261-4CEE-BB44-138D3EF5D965 ")
    assert e3 is not None
    assert e3.name == "Microsoft 365 E3"
    assert catalog.by_part_number("spe_e3") == e3
    assert catalog.name("", " Spe_E3") == "Microsoft 365 E3"


def test_the_sku_id_decides_when_it_and_the_part_number_disagree() -> None:
    catalog = load_catalog(None)
    assert catalog.name("cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", "SPE_E3") == (
        "Microsoft 365 Business Premium"
    )


def test_unknown_skus_fall_back_to_the_part_number_then_the_id() -> None:
    catalog = load_catalog(None)
    unknown = "00000000-0000-4000-8000-000000000000"
    assert catalog.by_sku_id(unknown) is None
    assert catalog.by_part_number("CONTOSO_SPECIAL") is None
    assert catalog.name(unknown, "CONTOSO_SPECIAL") == "CONTOSO_SPECIAL"
    assert catalog.name(unknown, "") == unknown


def test_the_first_product_answers_a_shared_part_number() -> None:
    first = Product("11111111-1111-4111-8111-111111111111", "MCOPSTN5", "Domestic Calling")
    second = Product("22222222-2222-4222-8222-222222222222", "MCOPSTN5", "Calling (old)")
    catalog = ProductCatalog((first, second))
    assert catalog.by_part_number("mcopstn5") == first
    assert catalog.by_sku_id(second.guid) == second
    assert catalog == ProductCatalog((first, second))
