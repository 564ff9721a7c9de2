"""How destructive commands are confirmed and approved: `[approvals]` in deskhand.toml.

[approvals]
confirm_minutes = 15          # the requester must confirm within this
approve_hours = 24            # an approver must decide within this
remind_minutes = 60           # a reminder goes out this long before an approval expires
per_technician_per_hour = 20  # destructive actions one person may start in an hour
per_tenant_per_hour = 60      # and in one tenant, by everyone together

[[approvals.policies]]        # the first that matches wins; none matches: confirm only
command = "reset-password"    # a command name, or "*"
tenant = "*"                  # a tenant name, or "*"
approval = "four-eyes"        # "confirm" (the requester confirms) or "four-eyes"
reason = true                 # --reason (why, or a ticket number) must be given
console = false               # approvals typed in the console are refused

[approvals.tenants.contoso]
slack_channel = "C0123456789" # where approval cards go
teams_conversation = "19:abc@thread.tacv2"
approvers = ["sam@msp.example"] # who is mentioned on the cards
break_glass = ["breakglass@contoso.com"]
destructive = true            # false switches every destructive command off for good
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["ApprovalMode", "ApprovalSettings", "EffectivePolicy", "PolicySettings", "TenantRoute"]

ANY = "*"


class ApprovalMode(StrEnum):
    CONFIRM = "confirm"
    FOUR_EYES = "four-eyes"


class PolicySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command: str = ANY
    tenant: str = ANY
    approval: ApprovalMode = ApprovalMode.CONFIRM
    reason: bool = False
    console: bool = True

    def matches(self, command: str, tenant: str) -> bool:
        return self.command in (ANY, command) and self.tenant in (ANY, tenant)


class TenantRoute(BaseModel):
    """Where one tenant's approval cards go, who is mentioned, and who is protected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slack_channel: str = ""
    teams_conversation: str = ""
    approvers: tuple[str, ...] = ()
    break_glass: tuple[str, ...] = ()
    destructive: bool = True

    @field_validator("approvers", "break_glass")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(item.strip().lower() for item in value if item.strip())


@dataclass(frozen=True)
class EffectivePolicy:
    approval: ApprovalMode
    reason: bool
    console: bool


class ApprovalSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    confirm_minutes: int = Field(15, ge=1, le=24 * 60)
    approve_hours: int = Field(24, ge=1, le=24 * 14)
    remind_minutes: int = Field(60, ge=0)
    per_technician_per_hour: int = Field(20, ge=1)
    per_tenant_per_hour: int = Field(60, ge=1)
    policies: tuple[PolicySettings, ...] = ()
    tenants: dict[str, TenantRoute] = Field(default_factory=dict)

    @property
    def confirm_within(self) -> timedelta:
        return timedelta(minutes=self.confirm_minutes)

    @property
    def approve_within(self) -> timedelta:
        return timedelta(hours=self.approve_hours)

    @property
    def remind_before(self) -> timedelta:
        return timedelta(minutes=self.remind_minutes)

    def policy(self, command: str, tenant: str) -> EffectivePolicy:
        for rule in self.policies:
            if rule.matches(command, tenant):
                return EffectivePolicy(rule.approval, rule.reason, rule.console)
        return EffectivePolicy(ApprovalMode.CONFIRM, reason=False, console=True)

    def route(self, tenant: str) -> TenantRoute:
        return self.tenants.get(tenant) or TenantRoute()
