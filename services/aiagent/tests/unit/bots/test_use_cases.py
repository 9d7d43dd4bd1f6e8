"""Reading and changing an app's bot configuration and the workspace's AI settings: who may, the
write-only api key, and handoff targets checked against the directory."""

from __future__ import annotations

from typing import Any

import pytest
from aiagent.bots.schemas import AiSettingsPut, BotConfigPut
from aiagent.bots.use_cases import BotUseCases
from aiagent.errors import SettingsChangeForbidden, SettingsReadForbidden, UnknownTeam, UnknownUser
from livechat_shared.auth import Permission, Principal, Role

from ..conftest import Fakes

WS = "ws-1"


def user(role: Role, *grants: Permission, workspace_id: str = WS) -> Principal:
    return Principal(user_id=f"u-{role}", workspace_id=workspace_id, role=role, grants=frozenset(grants))


ADMIN = user(Role.ADMIN)
LLM = {"base_url": "https://llm.example/v1", "model": "gpt-test"}


def body(**fields: Any) -> BotConfigPut:
    return BotConfigPut.model_validate(fields)


async def test_an_app_without_configuration_shows_the_defaults(bots: BotUseCases) -> None:
    view = await bots.read(ADMIN, "app-1")
    assert (view.app_id, view.version, view.enabled, view.llm, view.articles) == ("app-1", 0, True, None, [])


@pytest.mark.parametrize(
    ("reader", "allowed"),
    [
        (user(Role.ADMIN), True),
        (user(Role.SUPERVISOR), True),
        (user(Role.AGENT, Permission.SETTINGS), True),
        (user(Role.AGENT), False),
        (user(Role.AGENT, Permission.EXPORT), False),
    ],
    ids=["admin", "supervisor", "agent-granted-settings", "agent", "agent-granted-export"],
)
async def test_who_may_read(bots: BotUseCases, reader: Principal, allowed: bool) -> None:
    if allowed:
        assert (await bots.read(reader, "app-1")).app_id == "app-1"
        assert (await bots.read_settings(reader)).monthly_interaction_limit is None
    else:
        with pytest.raises(SettingsReadForbidden):
            await bots.read(reader, "app-1")
        with pytest.raises(SettingsReadForbidden):
            await bots.read_settings(reader)


@pytest.mark.parametrize("changer", [user(Role.SUPERVISOR), user(Role.AGENT, Permission.SETTINGS)])
async def test_only_an_admin_may_change(bots: BotUseCases, fakes: Fakes, changer: Principal) -> None:
    with pytest.raises(SettingsChangeForbidden):
        await bots.put(changer, "app-1", body(greeting="Yo"))
    with pytest.raises(SettingsChangeForbidden):
        await bots.put_settings(changer, AiSettingsPut(monthly_interaction_limit=5))
    assert fakes.world.configs == {} and fakes.world.settings == {}


async def test_a_change_replaces_the_configuration(bots: BotUseCases, fakes: Fakes) -> None:
    first = await bots.put(
        ADMIN,
        "app-1",
        body(
            greeting="Yo", articles=[{"id": "a", "question": "Q?", "answer": "A."}], confidence_threshold=0.7
        ),
    )
    assert (first.version, first.greeting, first.confidence_threshold, first.articles[0].id) == (
        1,
        "Yo",
        0.7,
        "a",
    )
    second = await bots.put(ADMIN, "app-1", body(enabled=False))
    assert (second.version, second.enabled, second.greeting, second.articles) == (
        2,
        False,
        "Hello! How can I help you?",
        [],
    )
    assert await bots.read(ADMIN, "app-1") == second
    assert (await bots.read(user(Role.ADMIN, workspace_id="ws-2"), "app-1")).version == 0  # per workspace


async def test_the_api_key_is_write_only_and_kept(bots: BotUseCases, fakes: Fakes) -> None:
    view = await bots.put(ADMIN, "app-1", body(llm={**LLM, "api_key": "sk-secret"}))
    assert view.llm is not None and view.llm.api_key_set
    assert "sk-secret" not in view.model_dump_json()
    assert fakes.world.configs[(WS, "app-1")].llm.api_key == "sk-secret"  # type: ignore[union-attr]

    kept = await bots.put(ADMIN, "app-1", body(llm={**LLM, "model": "other", "timeout_seconds": 3}))
    assert kept.llm is not None and kept.llm.api_key_set and kept.llm.model == "other"
    stored = fakes.world.configs[(WS, "app-1")].llm
    assert stored is not None and (stored.api_key, stored.timeout_seconds) == ("sk-secret", 3)

    replaced = await bots.put(ADMIN, "app-1", body(llm={**LLM, "api_key": "sk-new"}))
    assert replaced.llm is not None and fakes.world.configs[(WS, "app-1")].llm.api_key == "sk-new"  # type: ignore[union-attr]

    removed = await bots.put(ADMIN, "app-1", body(llm=None))
    assert removed.llm is None and fakes.world.configs[(WS, "app-1")].llm is None
    again = await bots.put(ADMIN, "app-1", body(llm=LLM))  # a removed llm takes its key along
    assert again.llm is not None and not again.llm.api_key_set


async def test_the_handoff_target_names_active_users_and_teams(bots: BotUseCases, fakes: Fakes) -> None:
    fakes.users = {
        "u-1": (WS, True, ("t-1",)),
        "u-gone": (WS, False, ("t-gone",)),
        "u-other": ("ws-2", True, ("t-other",)),
    }
    target = {"user_ids": ["u-1"], "team_ids": ["t-1"], "availability_check": False}
    view = await bots.put(ADMIN, "app-1", body(handoff={"target": target, "by_language": True}))
    assert view.handoff.target.model_dump() == target and view.handoff.by_language

    for users in (["u-1", "u-nobody"], ["u-gone"], ["u-other"]):
        with pytest.raises(UnknownUser) as refused:
            await bots.put(ADMIN, "app-1", body(handoff={"target": {"user_ids": users}}))
        assert refused.value.details == {"user_ids": users[-1:]}
    for teams in (["t-1", "t-nobody"], ["t-gone"], ["t-other"]):
        with pytest.raises(UnknownTeam) as refused_team:
            await bots.put(ADMIN, "app-1", body(handoff={"target": {"team_ids": teams}}))
        assert refused_team.value.details == {"team_ids": teams[-1:]}
    assert fakes.world.configs[(WS, "app-1")].version == 1  # the refusals changed nothing


async def test_ai_settings_and_this_months_interactions(bots: BotUseCases, fakes: Fakes) -> None:
    fakes.world.counters = {f"{WS}:2025-03": 7, f"{WS}:2025-02": 50}
    view = await bots.put_settings(ADMIN, AiSettingsPut(monthly_interaction_limit=100))
    assert (view.monthly_interaction_limit, view.month, view.interactions_this_month, view.version) == (
        100,
        "2025-03",
        7,
        1,
    )
    unlimited = await bots.put_settings(ADMIN, AiSettingsPut(monthly_interaction_limit=None))
    assert unlimited.monthly_interaction_limit is None
    assert await bots.read_settings(user(Role.SUPERVISOR)) == unlimited
