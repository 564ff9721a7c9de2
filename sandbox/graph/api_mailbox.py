"""Graph's mailbox settings and inbox rules: automatic replies (out of office) and the rules
that forward mail.

    GET   /users/{id}/mailboxSettings                      user-get-mailboxsettings.md
    GET   /users/{id}/mailboxSettings/automaticRepliesSetting
    PATCH /users/{id}/mailboxSettings                      user-update-mailboxsettings.md
    GET   /users/{id}/mailFolders/inbox/messageRules       mailfolder-list-messagerules.md
    GET   /users/{id}/mailFolders/inbox/messageRules/{id}  messagerule-get.md
    PATCH /users/{id}/mailFolders/inbox/messageRules/{id}  messagerule-update.md

Reads need MailboxSettings.Read, writes MailboxSettings.ReadWrite (application). A user
without an Exchange Online mailbox gets 404 MailboxNotEnabledForRESTAPI, as Graph answers for
unlicensed and on-premises mailboxes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sandbox.exchange.mailboxes import AutoReplies, Recipient, Rule
from sandbox.model import User

from .api_users import find_user
from .call import GraphCall, GraphResult, Route, ok
from .errors import GraphError, bad_request

__all__ = ["ROUTES", "mailbox_user"]

_READ = ("MailboxSettings.Read", "MailboxSettings.ReadWrite")
_WRITE = ("MailboxSettings.ReadWrite",)
_STATUSES = {s.lower(): s for s in ("disabled", "alwaysEnabled", "scheduled")}
_AUDIENCES = {s.lower(): s for s in ("none", "contactsOnly", "all")}
_WRITABLE = frozenset(
    {
        "automaticRepliesSetting",
        "dateFormat",
        "delegateMeetingMessageDeliveryOptions",
        "language",
        "timeFormat",
        "timeZone",
        "workingHours",
    }
)
_RULE_WRITABLE = frozenset(
    {"actions", "conditions", "displayName", "exceptions", "isEnabled", "isReadOnly", "sequence"}
)


def _no_mailbox() -> GraphError:
    return GraphError(
        404,
        "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )


def mailbox_user(call: GraphCall) -> User:
    user = find_user(call)
    if not call.tenant.exchange.has_mailbox(call.tenant.directory, user):
        raise _no_mailbox()
    return user


def _time(value: tuple[str, str] | None, fallback: datetime) -> dict[str, str]:
    if value is None:
        return {"dateTime": fallback.strftime("%Y-%m-%dT%H:00:00.0000000"), "timeZone": "UTC"}
    return {"dateTime": value[0], "timeZone": value[1]}


def _replies_json(call: GraphCall, replies: AutoReplies) -> dict[str, Any]:
    # Graph always reports a schedule, even for disabled replies: the last one, or a default.
    started = call.tenant.directory.created
    return {
        "status": replies.status,
        "externalAudience": replies.external_audience,
        "internalReplyMessage": replies.internal_message,
        "externalReplyMessage": replies.external_message,
        "scheduledStartDateTime": _time(replies.start, started),
        "scheduledEndDateTime": _time(replies.end, started),
    }


def _settings_json(call: GraphCall, user: User) -> dict[str, Any]:
    state = call.tenant.exchange.state(user.id)
    shared = user.id in call.tenant.exchange.shared
    return {
        "@odata.context": call.context(f"users('{user.id}')/mailboxSettings"),
        "archiveFolder": "",
        "timeZone": "Pacific Standard Time",
        "automaticRepliesSetting": _replies_json(call, state.auto_replies),
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "userPurpose": "shared" if shared else "user",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": "Pacific Standard Time"},
        },
    }


async def get_settings(call: GraphCall) -> GraphResult:
    call.require(*_READ)
    return ok(_settings_json(call, mailbox_user(call)))


async def get_automatic_replies(call: GraphCall) -> GraphResult:
    call.require(*_READ)
    user = mailbox_user(call)
    replies = _replies_json(call, call.tenant.exchange.state(user.id).auto_replies)
    context = call.context(f"users('{user.id}')/mailboxSettings/automaticRepliesSetting")
    return ok({"@odata.context": context, **replies})


def _enum(value: Any, choices: dict[str, str], name: str) -> str:
    chosen = choices.get(str(value).lower()) if isinstance(value, str) else None
    if chosen is None:
        raise bad_request(f"Requested value '{value}' was not found.", "RequestBodyRead")
    return chosen


def _date_time(value: Any, name: str) -> tuple[str, str]:
    if not isinstance(value, dict) or not value.get("dateTime") or not value.get("timeZone"):
        raise bad_request(
            f"The property '{name}' needs a dateTime and a timeZone.", "RequestBodyRead"
        )
    text = str(value["dateTime"])
    try:
        moment = datetime.fromisoformat(text[:19])
    except ValueError:
        raise bad_request(
            f"Cannot convert the literal '{text}' to the expected type 'Edm.DateTimeOffset'.",
            "RequestBodyRead",
        ) from None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000"), str(value["timeZone"])


def _updated_replies(current: AutoReplies, body: Any) -> AutoReplies:
    if not isinstance(body, dict):
        raise bad_request("automaticRepliesSetting must be an object.", "RequestBodyRead")
    replies = current
    if "status" in body:
        replies = replace(replies, status=_enum(body["status"], _STATUSES, "status"))
    if "externalAudience" in body:
        audience = _enum(body["externalAudience"], _AUDIENCES, "externalAudience")
        replies = replace(replies, external_audience=audience)
    if "internalReplyMessage" in body:
        replies = replace(replies, internal_message=str(body["internalReplyMessage"] or ""))
    if "externalReplyMessage" in body:
        replies = replace(replies, external_message=str(body["externalReplyMessage"] or ""))
    if "scheduledStartDateTime" in body:
        start = _date_time(body["scheduledStartDateTime"], "scheduledStartDateTime")
        replies = replace(replies, start=start)
    if "scheduledEndDateTime" in body:
        replies = replace(
            replies, end=_date_time(body["scheduledEndDateTime"], "scheduledEndDateTime")
        )
    if replies.status == "scheduled":
        if replies.start is None or replies.end is None:
            raise bad_request(
                "Scheduled automatic replies need scheduledStartDateTime and scheduledEndDateTime.",
                "ErrorInvalidParameter",
            )
        # Unverified: the code Graph uses for an end before the start (working hours'
        # documented ErrorInvalidTimeSettings is borrowed).
        same_zone = replies.start[1] == replies.end[1]
        if same_zone and replies.end[0] <= replies.start[0]:
            raise bad_request(
                "Start Time should occur before End Time.", "ErrorInvalidTimeSettings"
            )
    return replies


async def update_settings(call: GraphCall) -> GraphResult:
    call.require(*_WRITE)
    user = mailbox_user(call)
    body = call.body
    if not isinstance(body, dict):
        raise bad_request("The request body must be a mailboxSettings object.", "RequestBodyRead")
    unknown = [k for k in body if k not in _WRITABLE and not k.startswith("@odata.")]
    if unknown:
        raise bad_request(
            f"The property '{unknown[0]}' does not exist on type 'microsoft.graph."
            "mailboxSettings'. Make sure to only use property names that are defined by the type.",
            "RequestBodyRead",
        )
    state = call.tenant.exchange.state(user.id)
    if "automaticRepliesSetting" in body:
        replies = _updated_replies(state.auto_replies, body["automaticRepliesSetting"])
        call.tenant.exchange.put(user.id, replace(state, auto_replies=replies))
    settings = _settings_json(call, user)
    # The answer holds the updated properties only.
    answer = {k: v for k, v in settings.items() if k in body}
    return ok({"@odata.context": settings["@odata.context"], **answer})


def _recipients(entries: tuple[Recipient, ...]) -> list[dict[str, Any]]:
    return [{"emailAddress": {"name": name, "address": address}} for name, address in entries]


def _rule_json(call: GraphCall, user: User, rule: Rule) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    if rule.subject_contains:
        conditions["subjectContains"] = list(rule.subject_contains)
    if rule.sender_contains:
        conditions["senderContains"] = list(rule.sender_contains)
    actions: dict[str, Any] = {"stopProcessingRules": True}
    if rule.forward_to:
        actions["forwardTo"] = _recipients(rule.forward_to)
    if rule.redirect_to:
        actions["redirectTo"] = _recipients(rule.redirect_to)
    if rule.forward_as_attachment_to:
        actions["forwardAsAttachmentTo"] = _recipients(rule.forward_as_attachment_to)
    if rule.move_to_folder:
        actions["moveToFolder"] = f"{rule.move_to_folder}-folder-id"
    return {
        "id": rule.id,
        "displayName": rule.name,
        "sequence": rule.sequence,
        "isEnabled": rule.enabled,
        "hasError": False,
        "isReadOnly": False,
        "conditions": conditions,
        "actions": actions,
    }


def _find_rule(call: GraphCall, user: User) -> Rule:
    wanted = call.params["rule"]
    rule = next((r for r in call.tenant.exchange.state(user.id).rules if r.id == wanted), None)
    if rule is None:
        raise GraphError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
    return rule


async def list_rules(call: GraphCall) -> GraphResult:
    call.require(*_READ)
    user = mailbox_user(call)
    rules = call.tenant.exchange.state(user.id).rules
    return ok(
        {
            "@odata.context": call.context(f"users('{user.id}')/mailFolders('inbox')/messageRules"),
            "value": [_rule_json(call, user, r) for r in sorted(rules, key=lambda r: r.sequence)],
        }
    )


async def get_rule(call: GraphCall) -> GraphResult:
    call.require(*_READ)
    user = mailbox_user(call)
    rule = _find_rule(call, user)
    context = call.context(f"users('{user.id}')/mailFolders('inbox')/messageRules/$entity")
    return ok({"@odata.context": context, **_rule_json(call, user, rule)})


async def update_rule(call: GraphCall) -> GraphResult:
    """Only `isEnabled`, `displayName` and `sequence` change here; other writable properties
    are accepted and left as they are (the sandbox's rules have fixed conditions)."""
    call.require(*_WRITE)
    user = mailbox_user(call)
    rule = _find_rule(call, user)
    body = call.body
    if not isinstance(body, dict):
        raise bad_request("The request body must be a messageRule object.", "RequestBodyRead")
    unknown = [k for k in body if k not in _RULE_WRITABLE and not k.startswith("@odata.")]
    if unknown:
        raise bad_request(
            f"The property '{unknown[0]}' does not exist on type 'microsoft.graph.messageRule'.",
            "RequestBodyRead",
        )
    if "isEnabled" in body:
        if not isinstance(body["isEnabled"], bool):
            raise bad_request("isEnabled must be true or false.", "RequestBodyRead")
        rule = replace(rule, enabled=body["isEnabled"])
    if isinstance(body.get("displayName"), str):
        rule = replace(rule, name=body["displayName"])
    if isinstance(body.get("sequence"), int):
        rule = replace(rule, sequence=body["sequence"])
    call.tenant.exchange.replace_rule(user.id, rule)
    context = call.context(f"users('{user.id}')/mailFolders('inbox')/messageRules/$entity")
    return ok({"@odata.context": context, **_rule_json(call, user, rule)})


_RULES = "/users/{user}/mailFolders/inbox/messageRules"
ROUTES = (
    Route("GET", "/users/{user}/mailboxSettings", get_settings),
    Route("PATCH", "/users/{user}/mailboxSettings", update_settings),
    Route("GET", "/users/{user}/mailboxSettings/automaticRepliesSetting", get_automatic_replies),
    Route("GET", _RULES, list_rules),
    Route("GET", _RULES + "/{rule}", get_rule),
    Route("PATCH", _RULES + "/{rule}", update_rule),
)
