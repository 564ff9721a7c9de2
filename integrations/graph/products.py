"""Microsoft licence product names: a SKU's id or part number to the name Microsoft sells it as.

Graph's `/subscribedSkus` gives `skuId` (a GUID) and `skuPartNumber` (`SPE_E3`), never the
product name a technician knows ("Microsoft 365 E3"). Microsoft publishes the mapping as
"Product names and service plan identifiers for licensing" (a CSV linked from
https://learn.microsoft.com/en-us/entra/identity/users/licensing-service-plan-reference), with
one row per service plan, so many rows per product.

`products.csv` next to this module is the compact form of that list: one row per product
(`guid,string_id,product_name`, unique by GUID, sorted by part number). It was derived with
`refresh_catalog` from Microsoft's list as vendored in the public repository
KelvinTegelaar/CIPP-API (`Config/ConversionTable.csv` as of commit
82ab2621f4a67c50f0fd77317ef411a68bdcc0df, 2026-07-29): that repository's full copy of
Microsoft's download of 2026-03-26, plus rows its maintainers added in June and July 2026
(Microsoft 365 E7, Agent 365 and further service plans). `deskhand licenses refresh FILE.csv`
writes a newer table from a fresh download, which `load_catalog` then prefers.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

from core.errors import ConfigurationError, UserError

__all__ = ["Product", "ProductCatalog", "load_catalog", "refresh_catalog"]

_PACKAGE = "integrations.graph"
_SHIPPED_TABLE = "products.csv"
_COMPACT_HEADER = ("guid", "string_id", "product_name")
_MICROSOFT_HEADER = (
    "Product_Display_Name",
    "String_Id",
    "GUID",
    "Service_Plan_Name",
    "Service_Plan_Id",
    "Service_Plans_Included_Friendly_Names",
)
_MICROSOFT_PAGE = (
    "https://learn.microsoft.com/en-us/entra/identity/users/licensing-service-plan-reference"
)
_SHOWN_HEADER_CHARS = 120


@dataclass(frozen=True, slots=True)
class Product:
    """One licence product: its SKU id (lower-case GUID), part number and product name."""

    guid: str
    string_id: str
    name: str


def _part_key(part_number: str) -> str:
    return _clean(part_number).casefold()


@dataclass(frozen=True)
class ProductCatalog:
    """Product names by SKU id or part number; both lookups ignore case.

    Where two products share a part number (Microsoft lists a few), the first in `products`
    answers part-number lookups; the SKU id is always exact.
    """

    products: tuple[Product, ...]
    _by_guid: Mapping[str, Product] = field(init=False, repr=False, compare=False)
    _by_part: Mapping[str, Product] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_guid: dict[str, Product] = {}
        by_part: dict[str, Product] = {}
        for product in self.products:
            by_guid.setdefault(product.guid.lower(), product)
            by_part.setdefault(_part_key(product.string_id), product)
        object.__setattr__(self, "_by_guid", MappingProxyType(by_guid))
        object.__setattr__(self, "_by_part", MappingProxyType(by_part))

    def __len__(self) -> int:
        return len(self.products)

    def by_sku_id(self, sku_id: str) -> Product | None:
        return self._by_guid.get(sku_id.strip().lower())

    def by_part_number(self, part_number: str) -> Product | None:
        return self._by_part.get(_part_key(part_number))

    def name(self, sku_id: str, part_number: str) -> str:
        """The product name; the part number (or, lacking one, the SKU id) when it is unknown."""
        product = self.by_sku_id(sku_id) or self.by_part_number(part_number)
        if product is not None:
            return product.name
        return part_number.strip() or sku_id.strip()


def load_catalog(override: Path | None) -> ProductCatalog:
    """The refreshed table at `override` when that file exists, else the shipped one.

    Reads a small local file synchronously: call it at start-up (or through
    `asyncio.to_thread`) and keep the catalog.
    """
    if override is None or not override.exists():
        return _shipped_catalog()
    try:
        with override.open(encoding="utf-8", newline="") as table:
            return _read_compact(table)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigurationError(
            f"The refreshed licence name table {override} cannot be read. Run "
            "`deskhand licenses refresh FILE.csv` again, or delete it to use the shipped table."
        ) from exc


def refresh_catalog(source: Path, dest: Path) -> int:
    """Write the compact table of Microsoft's full CSV at `source` to `dest`; count products.

    `dest` is replaced atomically, so a refused or failed refresh leaves the previous table.
    """
    products = _products_from_microsoft(source)
    _write_atomically(dest, products)
    return len(products)


@cache
def _shipped_catalog() -> ProductCatalog:
    text = resources.files(_PACKAGE).joinpath(_SHIPPED_TABLE).read_text(encoding="utf-8")
    return _read_compact(io.StringIO(text, newline=""))


def _read_compact(lines: Iterable[str]) -> ProductCatalog:
    rows = csv.reader(lines)
    if tuple(next(rows, ())) != _COMPACT_HEADER:
        raise ValueError("not a compact product table")
    return ProductCatalog(tuple(Product(*_compact_cells(row)) for row in rows if row))


def _compact_cells(row: list[str]) -> tuple[str, str, str]:
    if len(row) != len(_COMPACT_HEADER):
        raise ValueError("a compact product row needs three cells")
    guid, string_id, name = row
    return guid, string_id, name


def _products_from_microsoft(source: Path) -> list[Product]:
    try:
        with source.open(encoding="utf-8-sig", newline="") as text:
            products = _parse_microsoft(csv.reader(text), source.name)
    except FileNotFoundError:
        raise UserError(f"There is no file at {source}.") from None
    except UnicodeDecodeError:
        raise _not_microsoft_list(source.name, "it is not a UTF-8 text file") from None
    except csv.Error:
        raise _not_microsoft_list(source.name, "it is not a readable CSV file") from None
    except OSError as exc:
        raise UserError(f"{source} cannot be read ({exc.strerror or 'I/O error'}).") from None
    return sorted(products, key=lambda product: (product.string_id.casefold(), product.guid))


def _parse_microsoft(rows: Iterator[list[str]], file_name: str) -> list[Product]:
    header = next(rows, [])
    # Microsoft has shipped the second column as both `String_Id` and `String_ Id`.
    if tuple("".join(cell.split()).casefold() for cell in header) != tuple(
        name.casefold() for name in _MICROSOFT_HEADER
    ):
        shown = ",".join(header)[:_SHOWN_HEADER_CHARS] or "empty"
        raise _not_microsoft_list(file_name, f"its header is {shown!r}")
    by_guid: dict[str, Product] = {}
    for line, row in enumerate(rows, start=2):
        if any(cell.strip() for cell in row):
            product = _microsoft_row(row, line, file_name)
            # A renamed product can appear under both names; the first listed wins.
            by_guid.setdefault(product.guid, product)
    if not by_guid:
        raise _not_microsoft_list(file_name, "it lists no products")
    return list(by_guid.values())


def _microsoft_row(row: list[str], line: int, file_name: str) -> Product:
    if len(row) != len(_MICROSOFT_HEADER):
        raise _bad_row(file_name, line, f"it has {len(row)} columns, not 6")
    name, string_id, guid = (_clean(cell) for cell in row[:3])
    try:
        sku_id = str(uuid.UUID(guid))
    except ValueError:
        raise _bad_row(file_name, line, "its GUID column is not a GUID") from None
    if not name or not string_id:
        raise _bad_row(file_name, line, "it has no product name or part number")
    return Product(guid=sku_id, string_id=string_id, name=name)


def _clean(cell: str) -> str:
    # Microsoft's cells carry stray tabs, trailing spaces and non-breaking spaces.
    return " ".join(cell.split())


def _not_microsoft_list(file_name: str, why: str) -> UserError:
    return UserError(
        f"{file_name} is not Microsoft's 'Product names and service plan identifiers for "
        f"licensing' CSV: {why}. Download that CSV from {_MICROSOFT_PAGE} and run the refresh "
        "with it; the current licence name table is unchanged."
    )


def _bad_row(file_name: str, line: int, why: str) -> UserError:
    return UserError(
        f"Line {line} of {file_name} cannot be used: {why}. Download a fresh copy from "
        f"{_MICROSOFT_PAGE}; the current licence name table is unchanged."
    )


def _write_atomically(dest: Path, products: list[Product]) -> None:
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        handle, staged_name = tempfile.mkstemp(
            dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp"
        )
        staged = Path(staged_name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as table:
                # mkstemp makes the file private; the table is public data the server reads.
                os.fchmod(table.fileno(), 0o644)
                _write_compact(table, products)
                table.flush()
                os.fsync(table.fileno())
            os.replace(staged, dest)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UserError(
            f"The licence name table cannot be written to {dest} "
            f"({exc.strerror or 'I/O error'}); the current table is unchanged."
        ) from None


def _write_compact(table: TextIO, products: list[Product]) -> None:
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(_COMPACT_HEADER)
    writer.writerows((product.guid, product.string_id, product.name) for product in products)
