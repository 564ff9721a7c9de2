"""The error answers of Exchange Online's admin API, and the parameter check every cmdlet runs.

Microsoft does not document these bodies; they follow what its clients observe (see the
README's unverified list): `details[0].message` carries `<error id>|<exception type>|<text>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ODATA_EXCEPTION",
    "SERVER",
    "ExchangeError",
    "access_rights",
    "bad_parameter",
    "check_params",
    "cmdlet_error",
    "flag",
    "not_found",
    "refused",
]

SERVER = "SN6PR04MB4952.NAMPRD04.PROD.OUTLOOK.COM"
ODATA_EXCEPTION = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
# Parameters every cmdlet takes (PowerShell's common parameters and the risk mitigation ones).
_COMMON = frozenset({"confirm", "whatif", "erroraction", "warningaction", "domaincontroller"})


class ExchangeError(Exception):
    """An answer the admin API gives as an error (`body` None: an empty or NUL body)."""

    def __init__(
        self,
        status: int,
        body: Mapping[str, Any] | bytes | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def cmdlet_error(status: int, code: str, error_id: str, kind: str, text: str) -> ExchangeError:
    """`details[0].message` carries `<id>|<exception type>|<text>`; `innererror` the wrapper."""
    outer = "Error executing cmdlet" if code != "BadRequest" else "Invalid Operation"
    return ExchangeError(
        status,
        {
            "error": {
                "code": code,
                "message": outer,
                "details": [
                    {"code": "Client", "target": "", "message": f"{error_id}|{kind}|{text}"}
                ],
                "innererror": {"message": outer, "type": ODATA_EXCEPTION, "stacktrace": ""},
            }
        },
    )


def not_found(identity: str) -> ExchangeError:
    return cmdlet_error(
        404,
        "NotFound",
        "Ex6F9304",
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        f"The operation couldn't be performed because object '{identity}' couldn't be found "
        f"on '{SERVER}'.",
    )


def refused(kind: str, text: str) -> ExchangeError:
    """A cmdlet that ran and refused what it was asked (not a member, no such entry, ...)."""
    return cmdlet_error(400, "BadRequest", "", kind, text)


def bad_parameter(text: str) -> ExchangeError:
    kind = "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException"
    return ExchangeError(
        400,
        {
            "error": {
                "code": "BadRequest",
                "message": "Invalid Operation",
                "details": [{"code": "Client", "target": "", "message": f"|{kind}|{text}"}],
                "innererror": {
                    "message": "Invalid Operation",
                    "type": ODATA_EXCEPTION,
                    "stacktrace": "",
                    "internalexception": {"message": text, "type": kind, "stacktrace": ""},
                },
            }
        },
    )


def check_params(
    params: Mapping[str, Any], allowed: set[str], *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The parameters with lower-cased names; unknown ones and missing required ones refused."""
    folded = {k.lower(): v for k, v in params.items()}
    unknown = [k for k in params if k.lower() not in allowed | _COMMON]
    if unknown:
        raise bad_parameter(
            "Parameter set cannot be resolved using the specified named parameters. Invalid "
            f"cmdlet parameters specified. {', '.join(unknown)}"
        )
    for name in required:
        if folded.get(name.lower()) in (None, "", []):
            raise bad_parameter(f"Cannot bind argument to parameter '{name}' because it is null.")
    return folded


def access_rights(value: Any) -> list[str]:
    """AccessRights as JSON carries it: one string, a comma-joined string or a list."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def flag(value: Any) -> bool:
    """A switch or boolean parameter as JSON carries it (true, "True", "$true")."""
    return value is True or str(value).lower() in ("true", "$true")
