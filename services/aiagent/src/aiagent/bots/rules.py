"""Who may read and change the AI agent's settings, and what a change stores and shows."""

from __future__ import annotations

from livechat_shared.auth import Permission, Principal, Role

from .schemas import (
    AiSettings,
    AiSettingsView,
    BotConfig,
    BotConfigPut,
    BotConfigView,
    BotFields,
    LlmConfig,
    LlmView,
)


def may_read(user: Principal) -> bool:
    """Admins, supervisors (by role) and users granted the ``settings`` permission."""
    return user.has(Permission.SETTINGS)


def may_change(user: Principal) -> bool:
    """Admins only: the configuration holds the LLM's api key and decides who gets chats."""
    return user.role is Role.ADMIN


def stored_config(body: BotConfigPut, before: BotConfig | None) -> BotConfig:
    """What a PUT stores: the body, with the stored api key kept when the body names none."""
    llm = None
    if body.llm is not None:
        kept = before.llm.api_key if before is not None and before.llm is not None else None
        llm = LlmConfig(
            base_url=body.llm.base_url,
            model=body.llm.model,
            timeout_seconds=body.llm.timeout_seconds,
            api_key=body.llm.api_key if body.llm.api_key is not None else kept,
        )
    fields = body.model_dump(include=set(BotFields.model_fields))
    return BotConfig.model_validate({**fields, "llm": llm})


def config_view(app_id: str, config: BotConfig) -> BotConfigView:
    """The configuration as the API shows it: the api key only as ``api_key_set``."""
    llm = None
    if config.llm is not None:
        llm = LlmView(
            base_url=config.llm.base_url,
            model=config.llm.model,
            timeout_seconds=config.llm.timeout_seconds,
            api_key_set=config.llm.api_key is not None,
        )
    fields = config.model_dump(include=set(BotFields.model_fields))
    return BotConfigView.model_validate(
        {**fields, "app_id": app_id, "llm": llm, "version": config.version, "updated_at": config.updated_at}
    )


def settings_view(settings: AiSettings, month: str, used: int) -> AiSettingsView:
    return AiSettingsView(**settings.model_dump(), month=month, interactions_this_month=used)
