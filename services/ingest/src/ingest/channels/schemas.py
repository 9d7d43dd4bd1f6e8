"""The payloads the providers post to our webhooks (only the parts we read; the rest is ignored),
and the generic API channel's body."""

from __future__ import annotations

from typing import Literal

from livechat_shared.contracts import Attachment, MessageView, PersonRef
from pydantic import BaseModel, ConfigDict, Field

_Id = Field(min_length=1, max_length=200)


class _Provider(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- WhatsApp Cloud API: {"object": "whatsapp_business_account", "entry": [{"changes": [{"value"}]}]}


class WaText(_Provider):
    body: str = Field(max_length=8192)


class WaMedia(_Provider):
    id: str = _Id
    mime_type: str = Field(default="application/octet-stream", max_length=200)
    caption: str | None = Field(default=None, max_length=8192)
    filename: str | None = Field(default=None, max_length=300)


class WaLocation(_Provider):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = Field(default=None, max_length=500)
    address: str | None = Field(default=None, max_length=1000)


class WaButton(_Provider):
    text: str = Field(max_length=1000)
    payload: str | None = Field(default=None, max_length=1000)


class WaReply(_Provider):
    id: str = Field(max_length=200)
    title: str = Field(max_length=1000)


class WaInteractive(_Provider):
    type: str = Field(max_length=50)
    button_reply: WaReply | None = None
    list_reply: WaReply | None = None


class WaMessage(_Provider):
    id: str = _Id
    from_: str = Field(alias="from", min_length=1, max_length=200)
    type: str = Field(max_length=50)
    text: WaText | None = None
    image: WaMedia | None = None
    audio: WaMedia | None = None
    video: WaMedia | None = None
    document: WaMedia | None = None
    sticker: WaMedia | None = None
    location: WaLocation | None = None
    button: WaButton | None = None
    interactive: WaInteractive | None = None


class WaProfile(_Provider):
    name: str | None = Field(default=None, max_length=200)


class WaContact(_Provider):
    wa_id: str = _Id
    profile: WaProfile = WaProfile()


class WaError(_Provider):
    code: int | None = None
    title: str | None = Field(default=None, max_length=500)
    message: str | None = Field(default=None, max_length=1000)


class WaStatus(_Provider):
    id: str = _Id
    status: str = Field(max_length=50)
    recipient_id: str | None = Field(default=None, max_length=200)
    errors: list[WaError] = Field(default=[], max_length=20)


class WaValue(_Provider):
    contacts: list[WaContact] = Field(default=[], max_length=100)
    messages: list[WaMessage] = Field(default=[], max_length=100)
    statuses: list[WaStatus] = Field(default=[], max_length=100)


class WaChange(_Provider):
    field: str = Field(default="messages", max_length=100)
    value: WaValue


class WaEntry(_Provider):
    id: str = Field(default="", max_length=200)
    changes: list[WaChange] = Field(default=[], max_length=100)


class WhatsAppPayload(_Provider):
    object: Literal["whatsapp_business_account"]
    entry: list[WaEntry] = Field(max_length=100)


# --- Messenger: {"object": "page", "entry": [{"messaging": [{sender, recipient, message | postback}]}]}


class MsParty(_Provider):
    id: str = _Id


class MsAttachmentPayload(_Provider):
    url: str | None = Field(default=None, max_length=2048)
    title: str | None = Field(default=None, max_length=500)


class MsAttachment(_Provider):
    type: str = Field(max_length=50)
    payload: MsAttachmentPayload | None = None


class MsQuickReply(_Provider):
    payload: str = Field(max_length=1000)


class MsMessage(_Provider):
    mid: str = _Id
    text: str | None = Field(default=None, max_length=8192)
    is_echo: bool = False
    attachments: list[MsAttachment] = Field(default=[], max_length=20)
    quick_reply: MsQuickReply | None = None


class MsPostback(_Provider):
    mid: str | None = Field(default=None, max_length=200)
    title: str = Field(default="", max_length=1000)
    payload: str | None = Field(default=None, max_length=1000)


class MsDelivery(_Provider):
    mids: list[str] = Field(default=[], max_length=100)
    watermark: int | None = None


class MsEvent(_Provider):
    sender: MsParty
    recipient: MsParty
    timestamp: int | None = None
    message: MsMessage | None = None
    postback: MsPostback | None = None
    delivery: MsDelivery | None = None


class MsEntry(_Provider):
    id: str = Field(default="", max_length=200)
    messaging: list[MsEvent] = Field(default=[], max_length=100)


class MessengerPayload(_Provider):
    object: Literal["page"]
    entry: list[MsEntry] = Field(max_length=100)


# --- Telegram: one Update per request -------------------------------------------------------


class TgUser(_Provider):
    id: int
    is_bot: bool = False
    first_name: str = Field(default="", max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=200)
    language_code: str | None = Field(default=None, max_length=35)


class TgChat(_Provider):
    id: int


class TgLocation(_Provider):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class TgMessage(_Provider):
    message_id: int
    from_: TgUser | None = Field(default=None, alias="from")
    chat: TgChat
    date: int
    text: str | None = Field(default=None, max_length=8192)
    caption: str | None = Field(default=None, max_length=8192)
    photo: list[dict[str, object]] | None = Field(default=None, max_length=20)
    document: dict[str, object] | None = None
    voice: dict[str, object] | None = None
    video: dict[str, object] | None = None
    location: TgLocation | None = None


class TgCallbackQuery(_Provider):
    id: str = _Id
    from_: TgUser = Field(alias="from")
    data: str | None = Field(default=None, max_length=1000)
    message: TgMessage | None = None


class TelegramUpdate(_Provider):
    update_id: int
    message: TgMessage | None = None
    edited_message: TgMessage | None = None
    callback_query: TgCallbackQuery | None = None


# --- the generic API channel --------------------------------------------------------------------


class ApiMessage(BaseModel):
    """A message from any other source: the caller names the person and gives its own message id
    (a repeat of the same id is accepted once)."""

    model_config = ConfigDict(extra="forbid")

    external_message_id: str = Field(min_length=1, max_length=200)
    person: PersonRef
    text: str = Field(default="", max_length=8192)
    attachments: list[Attachment] = Field(default=[], max_length=10)


class WebhookResult(BaseModel):
    """What a webhook delivery held: messages accepted now, repeats of accepted ones, messages of
    banned people (stopped here), messages of people past their rate limit (dropped), status
    callbacks passed on as delivery receipts of our messages, and events that were none of these
    (echoes, statuses of messages we did not send, kinds we do not take)."""

    accepted: int
    duplicates: int
    banned: int = 0
    limited: int = 0
    receipts: int = 0
    ignored: int


class ApiReply(BaseModel):
    cursor: int
    """Grows per person: fetch again with ``after`` set to the last one seen."""
    message: MessageView


class ApiReplies(BaseModel):
    items: list[ApiReply]
