"""Get-MobileDevice and Remove-MobileDevice: a mailbox's ActiveSync partnerships (phones)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sandbox.model import User
from sandbox.tenant import SandboxTenant

from .cmdlet import Handler, Output
from .errors import check_params, not_found
from .mailboxes import MobileDevice
from .recipients import alias, mailbox_user

__all__ = ["CMDLETS"]

_GET_PARAMS = {"mailbox", "identity", "resultsize"}
_REMOVE_PARAMS = {"identity"}


def _identity(user: User, device: MobileDevice) -> str:
    return f"{alias(user)}\\ExchangeActiveSyncDevices\\{device.device_type}§{device.device_id}"


def _device_json(user: User, device: MobileDevice) -> dict[str, Any]:
    return {
        "Identity": _identity(user, device),
        "Guid": device.guid,
        "DeviceId": device.device_id,
        "DeviceType": device.device_type,
        "DeviceModel": device.device_model,
        "FriendlyName": device.friendly_name,
        "DeviceOS": device.device_os,
        "FirstSyncTime": device.first_sync,
        "UserDisplayName": user.display_name,
        "DeviceAccessState": "Allowed",
        "ClientType": "EAS",
    }


def _all_devices(tenant: SandboxTenant) -> list[tuple[User, MobileDevice]]:
    users = tenant.directory.users
    return [
        (users[user_id], device)
        for user_id, state in tenant.exchange.states.items()
        if user_id in users
        for device in state.devices
    ]


def _find(tenant: SandboxTenant, identity: Any) -> tuple[User, MobileDevice]:
    key = str(identity or "").strip().casefold()
    for user, device in _all_devices(tenant):
        if key in (_identity(user, device).casefold(), device.guid):
            return user, device
    raise not_found(str(identity))


def _get_devices(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _GET_PARAMS)
    if folded.get("identity"):
        return Output([_device_json(*_find(tenant, folded["identity"]))])
    found = _all_devices(tenant)
    if folded.get("mailbox"):
        owner = mailbox_user(tenant, folded["mailbox"])
        found = [(user, device) for user, device in found if user.id == owner.id]
    return Output([_device_json(user, device) for user, device in found])


def _remove_device(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _REMOVE_PARAMS, required=("Identity",))
    user, device = _find(tenant, folded["identity"])
    state = tenant.exchange.state(user.id)
    kept = tuple(d for d in state.devices if d != device)
    tenant.exchange.put(user.id, replace(state, devices=kept))
    return Output()


CMDLETS: dict[str, Handler] = {
    "get-mobiledevice": _get_devices,
    "remove-mobiledevice": _remove_device,
}
