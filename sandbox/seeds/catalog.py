"""Microsoft's published identifiers the seed data uses: SKUs, service plans, role templates.

SKU and service-plan ids and part numbers are from Microsoft's "Product names and service plan
identifiers for licensing" list; role template ids from "Microsoft Entra built-in roles".
"""

from __future__ import annotations

from sandbox.model import DirectoryRole, ServicePlan

__all__ = [
    "PLANS",
    "PRIVILEGED_ROLES",
    "ROLE_TEMPLATES",
    "SKU_IDS",
    "SKU_PLANS",
    "role_templates",
]

PLANS = {
    "AAD_PREMIUM": ServicePlan("41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM"),
    "MFA_PREMIUM": ServicePlan("8a256a2b-b617-496d-b51b-e76466e88db0", "MFA_PREMIUM"),
    "EXCHANGE_S_ENTERPRISE": ServicePlan(
        "efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"
    ),
    "EXCHANGE_S_STANDARD": ServicePlan(
        "9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD"
    ),
    "SHAREPOINTENTERPRISE": ServicePlan(
        "5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"
    ),
    "TEAMS1": ServicePlan("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"),
}

SKU_IDS = {
    "SPE_E3": "05e9a617-0261-4cee-bb44-138d3ef5d965",
    "ENTERPRISEPACK": "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "O365_BUSINESS_PREMIUM": "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
    "EXCHANGESTANDARD": "4b9405b0-7788-4568-add1-99614e613b69",
    "AAD_PREMIUM": "078d2b04-f1bd-4111-bbd4-b4b1b354cef4",
}

SKU_PLANS: dict[str, tuple[str, ...]] = {
    "SPE_E3": (
        "AAD_PREMIUM",
        "MFA_PREMIUM",
        "EXCHANGE_S_ENTERPRISE",
        "SHAREPOINTENTERPRISE",
        "TEAMS1",
    ),
    "ENTERPRISEPACK": ("EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1"),
    "O365_BUSINESS_PREMIUM": ("EXCHANGE_S_STANDARD", "SHAREPOINTENTERPRISE", "TEAMS1"),
    "EXCHANGESTANDARD": ("EXCHANGE_S_STANDARD",),
    "AAD_PREMIUM": ("AAD_PREMIUM", "MFA_PREMIUM"),
}

# template id, display name, description (as in the built-in roles reference)
ROLE_TEMPLATES = {
    "Global Administrator": (
        "62e90394-69f5-4237-9190-012177145e10",
        "Can manage all aspects of Microsoft Entra ID and Microsoft services that use "
        "Microsoft Entra identities.",
    ),
    "User Administrator": (
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "Can manage all aspects of users and groups, including resetting passwords for "
        "limited admins.",
    ),
    "Helpdesk Administrator": (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Can reset passwords for non-administrators and Helpdesk Administrators.",
    ),
    "Global Reader": (
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "Can read everything that a Global Administrator can, but not update anything.",
    ),
    "Exchange Administrator": (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Can manage all aspects of the Exchange product.",
    ),
    "Authentication Administrator": (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Can access to view, set and reset authentication method information for any "
        "non-admin user.",
    ),
    "Password Administrator": (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Can reset passwords for non-administrators and Password Administrators.",
    ),
    "Privileged Role Administrator": (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged "
        "Identity Management.",
    ),
    "Privileged Authentication Administrator": (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Can access to view, set and reset authentication method information for any user "
        "(admin or non-admin).",
    ),
}

# The roles Microsoft labels PRIVILEGED in the built-in roles reference (isPrivileged on beta).
PRIVILEGED_ROLES = frozenset(ROLE_TEMPLATES) - {"Exchange Administrator"}


def role_templates(object_id_for: dict[str, str]) -> dict[str, DirectoryRole]:
    """The built-in roles keyed by template id; `object_id_for` maps names to object ids."""
    return {
        template: DirectoryRole(
            template,
            object_id_for[name],
            name,
            description,
            is_privileged=name in PRIVILEGED_ROLES,
        )
        for name, (template, description) in ROLE_TEMPLATES.items()
    }
