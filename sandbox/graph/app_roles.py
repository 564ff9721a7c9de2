"""The application permissions (app roles) the resource service principals publish.

Ids are the `appRoles[].id` of Microsoft Graph's service principal (appId
00000003-0000-0000-c000-000000000000), as the Microsoft Graph permissions reference lists them
("Application" identifier), and of Office 365 Exchange Online's (appId
00000002-0000-0ff1-ce00-000000000000) for Exchange.ManageAsApp. Those marked "unverified" were
not found in the sources at hand and are stand-ins (see the README's list).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

__all__ = ["EXCHANGE", "GRAPH", "RESOURCES", "Resource", "resource_of"]


@dataclass(frozen=True)
class Resource:
    key: str
    app_id: str
    display_name: str
    roles: dict[str, str]
    """Permission name -> app role id."""


def _stand_in(name: str) -> str:
    """Unverified: a fixed id for a permission whose real id was not confirmed."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"deskhand-sandbox:app-role:{name}"))


GRAPH = Resource(
    "graph",
    "00000003-0000-0000-c000-000000000000",
    "Microsoft Graph",
    {
        "Application.Read.All": "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        "Application.ReadWrite.All": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        "AuditLog.Read.All": "b0afded3-3588-46d8-8b3d-9842eff778da",
        "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        "Directory.ReadWrite.All": "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        "Domain.Read.All": "dbb9058a-0e50-45d7-ae91-66909b5d4664",
        "Files.Read.All": "01d4889c-1287-42c6-ac1f-5d1e02578ef6",
        "Group.Read.All": "5b567255-7703-4780-807c-7be8301ae99b",
        "Group.ReadWrite.All": "62a82d76-70ea-41e2-9197-370581804d09",
        "GroupMember.Read.All": "98830695-27a2-44f7-8c18-0c3ebc9698f6",
        "GroupMember.ReadWrite.All": "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
        "LicenseAssignment.ReadWrite.All": "5facf0c1-8979-4e95-abcf-ff3d079771c0",
        "Mail.Read": "810c84a8-4a9e-49e6-bf7d-12d183f40d01",
        "Mail.ReadBasic.All": "693c5e45-0940-467d-9b8a-1022fb9d42ef",
        "Mail.Send": "b633e1c5-b582-4048-a93e-9f11b44c7e96",
        "MailboxSettings.Read": "40f97065-369a-49f4-947c-6a255697ae91",
        "MailboxSettings.ReadWrite": "6931bccd-447a-43d1-b442-00a195474933",
        "Organization.Read.All": "498476ce-e0fe-48b0-b801-37ba7e2685c6",
        "Policy.Read.All": "246dd0d5-5bd0-4def-940b-0421030a5b68",
        "Policy.ReadWrite.AuthenticationMethod": "29c18626-4985-4dcd-85c0-193eef327366",
        "RoleManagement.Read.All": "c7fbd983-d9aa-4fa7-84b8-17382c103bc4",
        "RoleManagement.Read.Directory": "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
        "RoleManagement.ReadWrite.Directory": "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        "User-PasswordProfile.ReadWrite.All": "cc117bb9-00cf-4eb8-b580-ea2a878fe8f7",
        "User.Create": "4240f680-4f73-4082-a766-aa916a2dc9b3",
        "User.DeleteRestore.All": "eccc023d-eccf-4e7b-9683-8813ab36cecc",
        "User.EnableDisableAccount.All": "3011c876-62b7-4ada-afa2-506cbbecc68c",
        "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
        "User.ReadWrite.All": "741f803b-c850-494e-b5df-cde7c675a1ca",
        "User.RevokeSessions.All": "77f3a031-c388-4f99-b373-dc68676a979e",
        "UserAuthenticationMethod.Read.All": "38d9df27-64da-44fd-b7c5-a6fbac20248f",
        "UserAuthenticationMethod.ReadWrite.All": "50483e42-d915-4231-9639-7fdb7fd190e5",
        # Unverified ids (newer permissions).
        "User.ReadUpdate.All": _stand_in("User.ReadUpdate.All"),
        "User-Phone.ReadWrite.All": _stand_in("User-Phone.ReadWrite.All"),
        "LicenseAssignment.Read.All": _stand_in("LicenseAssignment.Read.All"),
        "Policy.Read.AuthenticationMethod": _stand_in("Policy.Read.AuthenticationMethod"),
        "RoleEligibilitySchedule.Read.Directory": _stand_in(
            "RoleEligibilitySchedule.Read.Directory"
        ),
    },
)
EXCHANGE = Resource(
    "exchange",
    "00000002-0000-0ff1-ce00-000000000000",
    "Office 365 Exchange Online",
    {"Exchange.ManageAsApp": "dc50a0fb-09a3-484d-be87-e023b12c6440"},
)
RESOURCES = (GRAPH, EXCHANGE)


def resource_of(permission: str) -> Resource | None:
    return next((r for r in RESOURCES if permission in r.roles), None)
