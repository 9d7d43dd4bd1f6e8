"""Every endpoint of every service against every kind of caller, with the answer api.md and
product.md allow. The table is checked against the services' own OpenAPI documents: a route added
without an entry here fails the test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from livechat_dev.testing import eventually
from livechat_shared.ids import new_id

from .conftest import auth, known_everywhere, new_user

ROLES = ("admin", "supervisor", "agent", "granted", "deactivated", "foreign_admin")
SERVICES = ("ingest", "inbox", "assignment", "export", "aiagent")


@dataclass
class World:
    """One workspace with a user of each kind, a second workspace's admin, and chats to act on."""

    ids: dict[str, str]
    tokens: dict[str, str]
    chats: dict[str, str] = field(default_factory=dict)
    """A fresh unassigned team chat per role, for the calls that change a chat."""
    shared_chat: str = ""


Request = tuple[str, str, dict[str, Any] | None]  # method, path (with ids), JSON body
Build = Callable[[World, str], Request]


def same(status: int, **overrides: int) -> dict[str, int]:
    """``status`` for every role but the deactivated user (always 401) and the overrides."""
    return {role: status for role in ROLES} | {"deactivated": 401} | overrides


ADMIN_ONLY_CREATE = same(403, admin=201, foreign_admin=201)
ADMIN_ONLY_CHANGE = same(403, admin=200, foreign_admin=404)
EVERYONE = same(200)
MINE = same(200, foreign_admin=404)

# (service, METHOD, path as the OpenAPI document names it) -> how to call it, and who gets what.
MATRIX: dict[tuple[str, str, str], tuple[Build, dict[str, int]]] = {
    # --- ingest: channel apps are the admin's ---------------------------------------------------------
    ("ingest", "POST", "/v1/apps"): (
        lambda w, r: (
            "POST",
            "/v1/apps",
            {"teamspace_id": w.ids["teamspace"], "channel": "webchat", "name": f"W {r}"},
        ),
        ADMIN_ONLY_CREATE,
    ),
    ("ingest", "GET", "/v1/apps"): (
        lambda w, r: ("GET", "/v1/apps", None),
        same(403, admin=200, foreign_admin=200),
    ),
    ("ingest", "GET", "/v1/apps/{app_id}"): (
        lambda w, r: ("GET", f"/v1/apps/{w.ids['app']}", None),
        same(404, admin=200),
    ),
    # --- inbox: chats in the caller's scope --------------------------------------------------------
    ("inbox", "GET", "/v1/chats"): (lambda w, r: ("GET", "/v1/chats", None), EVERYONE),
    # Deleting needs `delete` (admin, supervisor). The row deletes no real chat (the others need
    # theirs); tests/integration/test_chat_deletion.py deletes one and checks what goes with it.
    ("inbox", "POST", "/v1/chats/bulk-delete"): (
        lambda w, r: ("POST", "/v1/chats/bulk-delete", {"chat_ids": [f"no-such-chat-{r}"]}),
        same(200, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/deletions"): (
        lambda w, r: ("GET", "/v1/deletions", None),
        same(200, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/chats/{chat_id}"): (lambda w, r: ("GET", f"/v1/chats/{w.shared_chat}", None), MINE),
    ("inbox", "GET", "/v1/chats/{chat_id}/messages"): (
        lambda w, r: ("GET", f"/v1/chats/{w.shared_chat}/messages", None),
        MINE,
    ),
    ("inbox", "POST", "/v1/chats/{chat_id}/messages"): (
        lambda w, r: (
            "POST",
            f"/v1/chats/{w.chats[r]}/messages",
            {"text": "Hello", "client_message_id": new_id()},
        ),
        same(201, foreign_admin=404),
    ),
    ("inbox", "PATCH", "/v1/chats/{chat_id}"): (
        lambda w, r: ("PATCH", f"/v1/chats/{w.chats[r]}", {"description": f"Changed by {r}"}),
        same(200, foreign_admin=404),
    ),
    ("inbox", "POST", "/v1/chats/{chat_id}/transfer"): (
        # to the workspace's team (its members are in every service's directory copy). Every role
        # that may work the chat holds it by now (its reply, earlier in this table, took it), and the
        # assignee may hand a chat on; the transfer permission's refusal is tested in
        # tests/integration/test_transfer.py.
        lambda w, r: ("POST", f"/v1/chats/{w.chats[r]}/transfer", {"team_id": w.ids["team"]}),
        same(200, foreign_admin=404),
    ),
    ("inbox", "POST", "/v1/chats/{chat_id}/tags"): (
        # a tag the teamspace does not have: who may tag the chat gets that far (422), others do not
        lambda w, r: ("POST", f"/v1/chats/{w.chats[r]}/tags", {"tag_id": "no-such-tag"}),
        same(422, foreign_admin=404),
    ),
    ("inbox", "DELETE", "/v1/chats/{chat_id}/tags/{tag_id}"): (
        lambda w, r: ("DELETE", f"/v1/chats/{w.chats[r]}/tags/no-such-tag", None),
        same(200, foreign_admin=404),
    ),
    ("inbox", "GET", "/v1/interactions"): (
        lambda w, r: ("GET", "/v1/interactions", None),
        same(403, admin=200, supervisor=200, foreign_admin=200),  # each workspace its own counts
    ),
    ("inbox", "GET", "/v1/people/{person_id}"): (
        lambda w, r: ("GET", f"/v1/people/{w.ids['person']}", None),
        MINE,
    ),
    ("inbox", "POST", "/v1/attachments"): (
        # no file: who may upload to the chat gets as far as the type check (415), others do not
        lambda w, r: ("POST", f"/v1/attachments?chat_id={w.chats[r]}", None),
        same(415, foreign_admin=404),
    ),
    ("inbox", "GET", "/v1/sync"): (
        lambda w, r: ("GET", "/v1/sync?since=2020-01-01T00:00:00Z", None),
        EVERYONE,
    ),
    # --- assignment: a teamspace's settings: everyone of the workspace reads, settings changes -----
    ("assignment", "GET", "/v1/teamspaces/{teamspace_id}/assignment"): (
        lambda w, r: ("GET", f"/v1/teamspaces/{w.ids['teamspace']}/assignment", None),
        MINE,
    ),
    ("assignment", "PUT", "/v1/teamspaces/{teamspace_id}/assignment"): (
        lambda w, r: ("PUT", f"/v1/teamspaces/{w.ids['teamspace']}/assignment", {}),  # the defaults
        same(403, admin=200, supervisor=200, foreign_admin=404),
    ),
    # --- assignment: the directory is the admin's; everyone of the workspace may read it ----------
    ("assignment", "GET", "/v1/workspace"): (lambda w, r: ("GET", "/v1/workspace", None), EVERYONE),
    ("assignment", "PUT", "/v1/workspace"): (
        lambda w, r: ("PUT", "/v1/workspace", {"name": f"Renamed by {r}"}),
        same(403, admin=200, foreign_admin=200),
    ),
    ("assignment", "GET", "/v1/teamspaces"): (lambda w, r: ("GET", "/v1/teamspaces", None), EVERYONE),
    ("assignment", "POST", "/v1/teamspaces"): (
        lambda w, r: ("POST", "/v1/teamspaces", {"name": f"TS {r}"}),
        ADMIN_ONLY_CREATE,
    ),
    ("assignment", "GET", "/v1/teams"): (lambda w, r: ("GET", "/v1/teams", None), EVERYONE),
    ("assignment", "POST", "/v1/teams"): (
        lambda w, r: ("POST", "/v1/teams", {"teamspace_id": w.ids["teamspace"], "name": f"Team {r}"}),
        same(403, admin=201, foreign_admin=422),  # another workspace's teamspace is unknown to them
    ),
    ("assignment", "GET", "/v1/teams/{team_id}"): (
        lambda w, r: ("GET", f"/v1/teams/{w.ids['team']}", None),
        MINE,
    ),
    ("assignment", "PATCH", "/v1/teams/{team_id}"): (
        lambda w, r: ("PATCH", f"/v1/teams/{w.ids['spare_team']}", {"name": f"Team of {r}"}),
        ADMIN_ONLY_CHANGE,
    ),
    ("assignment", "GET", "/v1/users"): (lambda w, r: ("GET", "/v1/users", None), EVERYONE),
    ("assignment", "GET", "/v1/me"): (lambda w, r: ("GET", "/v1/me", None), EVERYONE),
    ("assignment", "POST", "/v1/users"): (
        lambda w, r: ("POST", "/v1/users", {"name": f"New {r}", "email": f"{new_id().lower()}@example.com"}),
        ADMIN_ONLY_CREATE,
    ),
    ("assignment", "GET", "/v1/users/{user_id}"): (
        lambda w, r: ("GET", f"/v1/users/{w.ids['agent']}", None),
        MINE,
    ),
    ("assignment", "PATCH", "/v1/users/{user_id}"): (
        lambda w, r: ("PATCH", f"/v1/users/{w.ids['spare_user']}", {"languages": ["de"]}),
        ADMIN_ONLY_CHANGE,
    ),
    # Operator calls take the operator key, never a user's token.
    ("assignment", "POST", "/v1/workspaces"): (
        lambda w, r: (
            "POST",
            "/v1/workspaces",
            {"name": "X", "admin": {"name": "A", "email": "a@example.com"}},
        ),
        same(401),
    ),
    ("assignment", "GET", "/v1/workspaces/{workspace_id}/users/{user_id}"): (
        lambda w, r: ("GET", f"/v1/workspaces/{w.ids['workspace']}/users/{w.ids['agent']}", None),
        same(401),
    ),
    # --- inbox: notes (on a chat in the caller's scope; `manage` adds one) --------------------------
    ("inbox", "GET", "/v1/chats/{chat_id}/notes"): (
        lambda w, r: ("GET", f"/v1/chats/{w.shared_chat}/notes", None),
        MINE,
    ),
    ("inbox", "POST", "/v1/chats/{chat_id}/notes"): (
        lambda w, r: ("POST", f"/v1/chats/{w.chats[r]}/notes", {"body": f"Note by {r}", "colour": "blue"}),
        same(201, foreign_admin=404),
    ),
    # The world holds no note to change: these check the token and the chat's scope (404 for a note
    # the chat does not have, as for a chat out of scope). Who may change an existing note (author,
    # admin, supervisor; 403 for others) is covered by services/inbox/tests/integration/test_notes.py.
    ("inbox", "PATCH", "/v1/chats/{chat_id}/notes/{note_id}"): (
        lambda w, r: ("PATCH", f"/v1/chats/{w.chats[r]}/notes/{new_id()}", {"body": f"Edited by {r}"}),
        same(404),
    ),
    ("inbox", "DELETE", "/v1/chats/{chat_id}/notes/{note_id}"): (
        lambda w, r: ("DELETE", f"/v1/chats/{w.chats[r]}/notes/{new_id()}", None),
        same(404),
    ),
    # --- inbox: catalog (tags, tag groups, custom fields, canned replies, aliases) ---------------------
    # Everyone of the workspace lists them; a change needs `settings` (admin, supervisor; the granted
    # agent holds `export` only). The foreign admin's settings are made in their own workspace. The
    # world holds no setting to change: PATCH and DELETE name one that does not exist, so they check
    # the permission first (403) and then the workspace (404); changing and deleting existing ones
    # (and another workspace's: 404) is covered by services/inbox/tests/integration/test_catalog.py.
    ("inbox", "GET", "/v1/tags"): (
        lambda w, r: ("GET", f"/v1/tags?teamspace_id={w.ids['teamspace']}", None),
        EVERYONE,
    ),
    ("inbox", "POST", "/v1/tags"): (
        lambda w, r: (
            "POST",
            "/v1/tags",
            {"teamspace_id": w.ids["teamspace"], "name": f"Tag {r} {new_id()}"},
        ),
        same(403, admin=201, supervisor=201, foreign_admin=201),
    ),
    ("inbox", "PATCH", "/v1/tags/{tag_id}"): (
        lambda w, r: ("PATCH", f"/v1/tags/{new_id()}", {"name": f"Tag of {r}"}),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "DELETE", "/v1/tags/{tag_id}"): (
        lambda w, r: ("DELETE", f"/v1/tags/{new_id()}", None),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/tag-groups"): (lambda w, r: ("GET", "/v1/tag-groups", None), EVERYONE),
    ("inbox", "POST", "/v1/tag-groups"): (
        lambda w, r: (
            "POST",
            "/v1/tag-groups",
            {"teamspace_id": w.ids["teamspace"], "name": f"Group {r} {new_id()}"},
        ),
        same(403, admin=201, supervisor=201, foreign_admin=201),
    ),
    ("inbox", "PATCH", "/v1/tag-groups/{group_id}"): (
        lambda w, r: ("PATCH", f"/v1/tag-groups/{new_id()}", {"name": f"Group of {r}"}),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "DELETE", "/v1/tag-groups/{group_id}"): (
        lambda w, r: ("DELETE", f"/v1/tag-groups/{new_id()}", None),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/custom-fields"): (lambda w, r: ("GET", "/v1/custom-fields", None), EVERYONE),
    ("inbox", "POST", "/v1/custom-fields"): (
        lambda w, r: (
            "POST",
            "/v1/custom-fields",
            {"teamspace_id": w.ids["teamspace"], "key": f"k_{new_id().lower()}", "name": r, "type": "text"},
        ),
        same(403, admin=201, supervisor=201, foreign_admin=201),
    ),
    ("inbox", "PATCH", "/v1/custom-fields/{field_id}"): (
        lambda w, r: ("PATCH", f"/v1/custom-fields/{new_id()}", {"name": f"Field of {r}"}),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "DELETE", "/v1/custom-fields/{field_id}"): (
        lambda w, r: ("DELETE", f"/v1/custom-fields/{new_id()}", None),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/canned-replies"): (lambda w, r: ("GET", "/v1/canned-replies", None), EVERYONE),
    ("inbox", "POST", "/v1/canned-replies"): (
        lambda w, r: (
            "POST",
            "/v1/canned-replies",
            {
                "teamspace_id": w.ids["teamspace"],
                "shortcut": f"s-{new_id().lower()[-16:]}",
                "title": f"Reply by {r}",
                "body": "Hello {{person.name}}",
            },
        ),
        same(403, admin=201, supervisor=201, foreign_admin=201),
    ),
    ("inbox", "PATCH", "/v1/canned-replies/{reply_id}"): (
        lambda w, r: ("PATCH", f"/v1/canned-replies/{new_id()}", {"title": f"Reply of {r}"}),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "DELETE", "/v1/canned-replies/{reply_id}"): (
        lambda w, r: ("DELETE", f"/v1/canned-replies/{new_id()}", None),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/aliases"): (lambda w, r: ("GET", "/v1/aliases", None), EVERYONE),
    ("inbox", "POST", "/v1/aliases"): (
        lambda w, r: ("POST", "/v1/aliases", {"teamspace_id": w.ids["teamspace"], "name": f"Alias {r}"}),
        same(403, admin=201, supervisor=201, foreign_admin=201),
    ),
    ("inbox", "PATCH", "/v1/aliases/{alias_id}"): (
        lambda w, r: ("PATCH", f"/v1/aliases/{new_id()}", {"name": f"Alias of {r}"}),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "DELETE", "/v1/aliases/{alias_id}"): (
        lambda w, r: ("DELETE", f"/v1/aliases/{new_id()}", None),
        same(404, agent=403, granted=403),
    ),
    # --- inbox: banning ------------------------------------------------------------------------------
    # Everyone of the workspace reads the ban reasons and rules; changing them needs `settings`, and
    # banning, unbanning and reading bans and their audit need `ban` (admin and supervisor by role; the
    # granted agent holds `export` only). The foreign admin's settings are made in their own workspace,
    # and the world's person is not theirs (404). PATCH and DELETE name a reason, rule or ban that does
    # not exist: the permission first (403), then the workspace (404). The ban names no reason of the
    # person's teamspace: who may ban the person gets that far (422 `no_ban_reasons` or
    # `unknown_reason`) and nothing is stored. Banning by rule, override, expiry, unban and the audit
    # are covered by services/inbox/tests/integration/test_bans.py.
    ("inbox", "GET", "/v1/ban-reasons"): (
        lambda w, r: ("GET", f"/v1/ban-reasons?teamspace_id={w.ids['teamspace']}", None),
        EVERYONE,
    ),
    ("inbox", "POST", "/v1/ban-reasons"): (
        lambda w, r: (
            "POST",
            "/v1/ban-reasons",
            {"teamspace_id": w.ids["teamspace"], "name": f"Reason {r} {new_id()}"},
        ),
        same(403, admin=201, supervisor=201, foreign_admin=201),
    ),
    ("inbox", "PATCH", "/v1/ban-reasons/{reason_id}"): (
        lambda w, r: ("PATCH", f"/v1/ban-reasons/{new_id()}", {"name": f"Reason of {r}"}),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "DELETE", "/v1/ban-reasons/{reason_id}"): (
        lambda w, r: ("DELETE", f"/v1/ban-reasons/{new_id()}", None),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/ban-rules"): (
        lambda w, r: ("GET", f"/v1/ban-rules?teamspace_id={w.ids['teamspace']}", None),
        EVERYONE,
    ),
    ("inbox", "POST", "/v1/ban-rules"): (
        # one offence count per role: a teamspace has one rule per count
        lambda w, r: (
            "POST",
            "/v1/ban-rules",
            {"teamspace_id": w.ids["teamspace"], "offences": 100 + ROLES.index(r), "length_minutes": 60},
        ),
        same(403, admin=201, supervisor=201, foreign_admin=201),
    ),
    ("inbox", "PATCH", "/v1/ban-rules/{rule_id}"): (
        lambda w, r: ("PATCH", f"/v1/ban-rules/{new_id()}", {"length_minutes": None}),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "DELETE", "/v1/ban-rules/{rule_id}"): (
        lambda w, r: ("DELETE", f"/v1/ban-rules/{new_id()}", None),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/bans"): (
        lambda w, r: ("GET", "/v1/bans", None),
        same(403, admin=200, supervisor=200, foreign_admin=200),  # each workspace its own bans
    ),
    ("inbox", "POST", "/v1/bans"): (
        lambda w, r: ("POST", "/v1/bans", {"person_id": w.ids["person"], "reason_id": new_id()}),
        same(403, admin=422, supervisor=422, foreign_admin=404),
    ),
    ("inbox", "DELETE", "/v1/bans/{ban_id}"): (
        lambda w, r: ("DELETE", f"/v1/bans/{new_id()}", None),
        same(404, agent=403, granted=403),
    ),
    ("inbox", "GET", "/v1/bans/audit"): (
        lambda w, r: ("GET", "/v1/bans/audit", None),
        same(403, admin=200, supervisor=200, foreign_admin=200),
    ),
    # --- assignment: presence: each user sets their own; everyone of the workspace sees it -----------
    ("assignment", "PUT", "/v1/me/presence"): (
        lambda w, r: ("PUT", "/v1/me/presence", {"status": "away"}),
        same(200),
    ),
    ("assignment", "GET", "/v1/presence"): (lambda w, r: ("GET", "/v1/presence", None), EVERYONE),
    # --- aiagent: each app's bot and the workspace's AI limits: admins change them; who may change
    # settings reads them (another workspace's admin gets its own workspace's defaults for the id)
    ("aiagent", "GET", "/v1/apps/{app_id}/bot"): (
        lambda w, r: ("GET", f"/v1/apps/{w.ids['app']}/bot", None),
        same(403, admin=200, supervisor=200, foreign_admin=200),
    ),
    ("aiagent", "PUT", "/v1/apps/{app_id}/bot"): (
        # the defaults with the AI off, as the workspace fixture left it for the other tests
        lambda w, r: ("PUT", f"/v1/apps/{w.ids['app']}/bot", {"enabled": False}),
        same(403, admin=200, foreign_admin=200),
    ),
    ("aiagent", "GET", "/v1/ai/settings"): (
        lambda w, r: ("GET", "/v1/ai/settings", None),
        same(403, admin=200, supervisor=200, foreign_admin=200),
    ),
    ("aiagent", "PUT", "/v1/ai/settings"): (
        lambda w, r: ("PUT", "/v1/ai/settings", {"monthly_interaction_limit": None}),
        same(403, admin=200, foreign_admin=200),
    ),
    # --- assignment: the queue: each user sees what they may claim (supervisors and admins: all) -----
    ("assignment", "GET", "/v1/queue"): (lambda w, r: ("GET", "/v1/queue", None), EVERYONE),
    # a chat never handed off: nobody may claim it, in any workspace (the claim race and the targets
    # are tested in services/assignment/tests/integration/test_routing_bus.py)
    ("assignment", "POST", "/v1/queue/{chat_id}/claim"): (
        lambda w, r: ("POST", f"/v1/queue/{new_id()}/claim", None),
        same(404),
    ),
    ("assignment", "GET", "/v1/chats/{chat_id}/assignment-log"): (
        lambda w, r: ("GET", f"/v1/chats/{new_id()}/assignment-log", None),
        same(404),
    ),
    # --- export: exporting needs `export` (admin, supervisor, the granted agent; the foreign admin
    # exports their own workspace). An export and its file are their creator's only: the world holds
    # none of the caller's (404). A transcript needs `download` (every role) and the chat in scope.
    # What an export holds, its scope, expiry and deletion: services/export/tests/integration.
    ("export", "POST", "/v1/exports"): (
        lambda w, r: ("POST", "/v1/exports", {"format": "csv", "filters": {"status": ["resolved"]}}),
        same(202, agent=403),
    ),
    ("export", "GET", "/v1/exports"): (
        lambda w, r: ("GET", "/v1/exports", None),
        same(200, agent=403),
    ),
    ("export", "GET", "/v1/exports/{export_id}"): (
        lambda w, r: ("GET", f"/v1/exports/{new_id()}", None),
        same(404, agent=403),
    ),
    ("export", "GET", "/v1/exports/{export_id}/download"): (
        lambda w, r: ("GET", f"/v1/exports/{new_id()}/download", None),
        same(404, agent=403),
    ),
    ("export", "GET", "/v1/chats/{chat_id}/transcript"): (
        lambda w, r: ("GET", f"/v1/chats/{w.shared_chat}/transcript", None),
        MINE,
    ),
}

# Operations without a bearer token by design: health and documents, and the person's Webchat API
# (its own session tokens, tested in the ingest service's tests).
PUBLIC: set[tuple[str, str, str]] = {
    *(
        (svc, "GET", path)
        for svc in SERVICES
        for path in ("/healthz", "/readyz", "/metrics", "/asyncapi.json")
    ),
    ("ingest", "POST", "/v1/webchat/{app_id}/sessions"),
    ("ingest", "POST", "/v1/webchat/{app_id}/messages"),
    ("ingest", "GET", "/webchat/{app_id}"),
    ("ingest", "GET", "/webchat/static/{name}"),
    # how the console signs in (a token, or the identity provider's login): asked before signing in
    ("assignment", "GET", "/v1/auth/config"),
    # channels: proven by the provider's own mechanism, not an agent's token (a wrong or missing
    # proof is 401, tested per channel in tests/integration/test_channels.py and fuzzed in
    # tests/e2e/test_webhook_fuzz.py)
    ("ingest", "GET", "/v1/webhooks/{channel}/{app_id}"),
    ("ingest", "POST", "/v1/webhooks/{channel}/{app_id}"),
    ("ingest", "POST", "/v1/webhooks/telegram/{app_id}"),
    ("ingest", "POST", "/v1/api-channel/{app_id}/messages"),
    ("ingest", "GET", "/v1/api-channel/{app_id}/people/{person_external_id}/replies"),
    # a signed link: the person and the channel fetch the file without a token (tested in
    # tests/integration/test_attachments.py: a bad or expired signature serves nothing)
    ("inbox", "GET", "/v1/attachments/{attachment_id}"),
}


async def test_every_operation_of_every_service_has_an_entry(stack, http: httpx.AsyncClient) -> None:
    operations = set()
    for service in SERVICES:
        document = (await http.get(f"{stack.url(service)}/openapi.json")).json()
        operations |= {
            (service, verb.upper(), path) for path, verbs in document["paths"].items() for verb in verbs
        }
    assert operations - set(MATRIX) - PUBLIC == set(), "add the new operations to the permission matrix"
    assert set(MATRIX) - operations == set(), "the matrix names operations that no longer exist"


async def _chat(http: httpx.AsyncClient, stack, app_id: str, admin: str) -> str:
    """A new unassigned chat of the workspace's team (a new person writes on its Webchat app)."""
    ingest = stack.url("ingest")
    name = f"Person {new_id()}"
    session = (await http.post(f"{ingest}/v1/webchat/{app_id}/sessions", json={"name": name})).json()
    sent = await http.post(
        f"{ingest}/v1/webchat/{app_id}/messages",
        headers=auth(session["session_token"]),
        json={"text": "hi", "client_message_id": "m-1"},
    )
    assert sent.status_code == 202

    async def listed() -> str | None:
        params = {"page_size": 200}
        chats = (await http.get(f"{stack.url('inbox')}/v1/chats", headers=auth(admin), params=params)).json()
        return next((c["id"] for c in chats["items"] if c["person"]["name"] == name), None)

    chat_id: str = await eventually(listed, within=30)
    return chat_id


@pytest.fixture(scope="module")
async def world(stack, workspace) -> World:
    admin = workspace["token"]
    assignment = stack.url("assignment")
    async with httpx.AsyncClient(timeout=30) as http:

        async def user(name: str, role: str, **fields: Any) -> tuple[str, str]:
            return await new_user(http, stack, workspace, role, wait=False, name=name, **fields)

        team = [workspace["team_id"]]
        ids = {
            "workspace": workspace["workspace_id"],
            "teamspace": workspace["teamspace_id"],
            "team": team[0],
        }
        ids["app"] = workspace["app_id"]
        tokens = {"admin": admin}
        ids["supervisor"], tokens["supervisor"] = await user("Sue", "supervisor", team_ids=team)
        ids["agent"], tokens["agent"] = await user("Abe", "agent", team_ids=team)
        ids["granted"], tokens["granted"] = await user("Gil", "agent", team_ids=team, grants=["export"])
        ids["deactivated"], tokens["deactivated"] = await user("Dee", "agent", team_ids=team)
        ids["spare_user"], _ = await user("Spare", "agent")
        spare = await http.post(
            f"{assignment}/v1/teams",
            headers=auth(admin),
            json={"teamspace_id": ids["teamspace"], "name": "Spare"},
        )
        ids["spare_team"] = spare.json()["id"]
        other = await asyncio.to_thread(stack.cli, "bootstrap", "--workspace", "Elsewhere")
        tokens["foreign_admin"] = other["token"]
        for role in ("supervisor", "agent", "granted", "deactivated", "foreign_admin"):
            await known_everywhere(http, stack, tokens[role])
        off = await http.patch(
            f"{assignment}/v1/users/{ids['deactivated']}", headers=auth(admin), json={"active": False}
        )
        assert off.status_code == 200, off.text
        await known_everywhere(http, stack, tokens["deactivated"], refused=True)

        world = World(ids=ids, tokens=tokens, shared_chat=await _chat(http, stack, ids["app"], admin))
        shared = await http.get(f"{stack.url('inbox')}/v1/chats/{world.shared_chat}", headers=auth(admin))
        ids["person"] = shared.json()["person"]["id"]
        for role in ROLES:
            world.chats[role] = await _chat(http, stack, ids["app"], admin)
        return world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda op: f"{op[0]} {op[1]} {op[2]}")
async def test_each_caller_gets_exactly_what_they_may(
    stack, world: World, http: httpx.AsyncClient, operation: tuple[str, str, str], role: str
) -> None:
    build, expected = MATRIX[operation]
    method, path, body = build(world, role)
    response = await http.request(
        method, f"{stack.url(operation[0])}{path}", headers=auth(world.tokens[role]), json=body
    )
    assert response.status_code == expected[role], (
        f"{role}: {method} {path} -> {response.status_code} {response.text}"
    )
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}
