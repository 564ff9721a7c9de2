"""Refreshing the licence name table from Microsoft's full CSV.

The sample below is written by hand in the documented format of Microsoft's "Product names and
service plan identifiers for licensing" CSV (six columns, one row per service plan, linked from
learn.microsoft.com/en-us/entra/identity/users/licensing-service-plan-reference), with the quirks
seen in real downloads: a byte-order mark, the `String_ Id` header spelling, names quoted
because they hold a comma, non-breaking spaces, trailing spaces and tabs, and a renamed product
listed under both names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigurationError, UserError
from integrations.graph.products import load_catalog, refresh_catalog

MICROSOFT_SAMPLE = (
    "\ufeffProduct_Display_Name,String_ Id,GUID,Service_Plan_Name,Service_Plan_Id,"
    "Service_Plans_Included_Friendly_Names\r\n"
    "Microsoft 365 E3,SPE_E3,05e9a617-0261-4cee-bb44-138d3ef5d965,"
    "EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)\r\n"
    "Microsoft 365 E3,SPE_E3,05e9a617-0261-4cee-bb44-138d3ef5d965,"
    "TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams\r\n"
    '"Dynamics 365 Field Service, Enterprise Edition - Resource Scheduling Optimization",'
    "CRM_AUTO_ROUTING_ADDON,977464c4-bfaf-4b67-b761-a9bb735a2196,"
    "CRM_AUTO_ROUTING_ADDON,2ba394e0-6f18-4b77-b45f-a5663bbab540,"
    '"Field Service, Resource Scheduling Optimization"\r\n'
    "Microsoft 365 E3 EEA\u00a0(no Teams) ,O365_w/o Teams Bundle_M3\t,"
    "C2FE850D-FBBB-4858-B67D-BD0C6E746DA3 ,"
    "EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)\r\n"
    "Microsoft Copilot Studio User License,VIRTUAL_AGENT_USL,"
    "4b74a65c-8b4a-4fc8-9f6b-5177ed11ddfa,"
    "VIRTUAL_AGENT_USL,1263586c-59a4-4ad0-85e1-d50bc7149501,Copilot Studio\r\n"
    "Microsoft Entra ID P1,AAD_PREMIUM,078d2b04-f1bd-4111-bbd4-b4b1b354cef4,"
    "AAD_PREMIUM,41781fb2-bc02-4b7c-bd55-b576c07bb09d,Microsoft Entra ID P1\r\n"
    "\r\n"
    "Power Virtual Agent User License,VIRTUAL_AGENT_USL,4b74a65c-8b4a-4fc8-9f6b-5177ed11ddfa,"
    "VIRTUAL_AGENT_USL,1263586c-59a4-4ad0-85e1-d50bc7149501,Power Virtual Agents\r\n"
)

COMPACT_SAMPLE = (
    "guid,string_id,product_name\n"
    "078d2b04-f1bd-4111-bbd4-b4b1b354cef4,AAD_PREMIUM,Microsoft Entra ID P1\n"
    "977464c4-bfaf-4b67-b761-a9bb735a2196,CRM_AUTO_ROUTING_ADDON,"
    '"Dynamics 365 Field Service, Enterprise Edition - Resource Scheduling Optimization"\n'
    "c2fe850d-fbbb-4858-b67d-bd0c6e746da3,O365_w/o Teams Bundle_M3,"
    "Microsoft 365 E3 EEA (no Teams)\n"
    "05e9a617-0261-4cee-bb44-138d3ef5d965,SPE_E3,Microsoft 365 E3\n"
    "4b74a65c-8b4a-4fc8-9f6b-5177ed11ddfa,VIRTUAL_AGENT_USL,"
    "Microsoft Copilot Studio User License\n"
)

HEADER = (
    "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,"
    "Service_Plans_Included_Friendly_Names\n"
)
E3_ROW = (
    "Microsoft 365 E3,SPE_E3,05e9a617-0261-4cee-bb44-138d3ef5d965,"
    "TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams\n"
)


@pytest.fixture
def microsoft_csv(tmp_path: Path) -> Path:
    source = tmp_path / "Product names and service plan identifiers for licensing.csv"
    source.write_bytes(MICROSOFT_SAMPLE.encode("utf-8"))
    return source


@pytest.fixture
def refreshed(tmp_path: Path, microsoft_csv: Path) -> Path:
    dest = tmp_path / "config" / "products.csv"
    refresh_catalog(microsoft_csv, dest)
    return dest


def test_refresh_writes_one_row_per_product_sorted_by_part_number(
    tmp_path: Path, microsoft_csv: Path
) -> None:
    dest = tmp_path / "config" / "products.csv"
    assert refresh_catalog(microsoft_csv, dest) == 5
    assert dest.read_text("utf-8") == COMPACT_SAMPLE
    assert [path.name for path in dest.parent.iterdir()] == ["products.csv"]


def test_load_catalog_prefers_the_refreshed_table(refreshed: Path) -> None:
    catalog = load_catalog(refreshed)
    assert catalog is not load_catalog(None)
    assert len(catalog) == 5
    assert catalog.name("977464c4-bfaf-4b67-b761-a9bb735a2196", "") == (
        "Dynamics 365 Field Service, Enterprise Edition - Resource Scheduling Optimization"
    )
    assert catalog.name("", "o365_w/o teams bundle_m3") == "Microsoft 365 E3 EEA (no Teams)"
    assert catalog.by_part_number("SPB") is None


def test_a_second_refresh_replaces_the_first(tmp_path: Path, refreshed: Path) -> None:
    smaller = tmp_path / "smaller.csv"
    smaller.write_text(HEADER + E3_ROW, "utf-8")
    assert refresh_catalog(smaller, refreshed) == 1
    assert load_catalog(refreshed).name("", "AAD_PREMIUM") == "AAD_PREMIUM"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param(
            b"displayName,userPrincipalName\nAdele Vance,adele@contoso.com\n",
            "its header is 'displayName,userPrincipalName'",
            id="another-csv",
        ),
        pytest.param(
            b"Product_Display_Name,String_Id,GUID\n" + E3_ROW.encode(),
            "its header is 'Product_Display_Name,String_Id,GUID'",
            id="compact-table",
        ),
        pytest.param(b"", "its header is 'empty'", id="empty"),
        pytest.param(HEADER.encode(), "it lists no products", id="header-only"),
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00\x08\xff\xfe", "not a UTF-8 text file", id="xlsx"),
        pytest.param(
            (HEADER + E3_ROW.replace("05e9a617-0261", "not-a-guid")).encode(),
            "Line 2 of",
            id="bad-guid",
        ),
        pytest.param(
            (HEADER + E3_ROW + "Microsoft 365 E5,SPE_E5\n").encode(),
            "Line 3 of",
            id="short-row",
        ),
    ],
)
def test_a_file_that_is_not_microsofts_list_is_refused_and_changes_nothing(
    tmp_path: Path, refreshed: Path, content: bytes, says: str
) -> None:
    before = refreshed.read_bytes()
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(content)
    with pytest.raises(UserError) as refused:
        refresh_catalog(wrong, refreshed)
    assert says in refused.value.message
    assert "the current licence name table is unchanged" in refused.value.message
    assert "learn.microsoft.com" in refused.value.message
    assert refreshed.read_bytes() == before
    assert [path.name for path in refreshed.parent.iterdir()] == ["products.csv"]


def test_a_missing_source_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"There is no file at .*missing\.csv"):
        refresh_catalog(tmp_path / "missing.csv", tmp_path / "products.csv")
    assert not (tmp_path / "products.csv").exists()


def test_an_unwritable_destination_is_refused_cleanly(tmp_path: Path, microsoft_csv: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", "utf-8")
    with pytest.raises(UserError, match="cannot be written to"):
        refresh_catalog(microsoft_csv, blocker / "products.csv")


def test_a_damaged_refreshed_table_is_a_configuration_error(tmp_path: Path) -> None:
    damaged = tmp_path / "products.csv"
    damaged.write_text("something else entirely\n", "utf-8")
    with pytest.raises(ConfigurationError, match="licenses refresh"):
        load_catalog(damaged)
