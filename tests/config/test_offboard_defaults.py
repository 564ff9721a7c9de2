"""`[offboard]` and `[tenants.NAME.offboard]`: /offboard's defaults, per tenant."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from core.errors import ConfigurationError
from tests.config.conftest import write_toml
from tests.config.test_settings import CONTOSO_TOML

OFFBOARD = """
[offboard]
reset_password = false
delete_after_days = 30

[tenants.contoso.offboard]
convert_shared = false
delete_after_days = 7
"""


def test_a_tenant_table_overrides_only_the_keys_it_sets(tmp_path: Path) -> None:
    write_toml(tmp_path / "deskhand.toml", CONTOSO_TOML + OFFBOARD)

    settings = load_settings()

    contoso = settings.offboard_for("contoso")
    assert (contoso.convert_shared, contoso.delete_after_days) == (False, 7)
    assert contoso.reset_password is False  # from [offboard]
    assert contoso.block is True  # the built-in default
    other = settings.offboard_for("fabrikam")
    assert (other.convert_shared, other.delete_after_days) == (True, 30)


def test_an_unknown_offboard_key_is_refused(tmp_path: Path) -> None:
    write_toml(tmp_path / "deskhand.toml", CONTOSO_TOML + "[offboard]\nconvert_to_shared = true\n")

    with pytest.raises(ConfigurationError, match="convert_to_shared"):
        load_settings()
