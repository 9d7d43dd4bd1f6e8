"""The event contracts of the suite, one module per producing service, and their registry.

``CONTRACTS`` lists every contract; each has a golden JSON sample in ``libs/shared/contracts/samples``.
"""

from .assignment import (
    AssignmentMethod,
    DirectoryUser,
    PresenceChangedV1,
    PresenceStatus,
    TeamspaceSettings,
    TeamspaceSettingsChangedV1,
    UserChangedV1,
)
from .envelope import Contract, Envelope
from .inbox import (
    BanChangedV1,
    ChatChangedV1,
    ChatClosedV1,
    ChatSnapshot,
    ChatTransferredV1,
    MessageCreatedV1,
    MessageEvent,
    MessageUpdatedV1,
    MessageView,
    NoteAuthor,
    NoteChangedV1,
    NoteColour,
    NoteView,
    OutboundRequestedV1,
)
from .ingest import DeliveryUpdatedV1, MessageReceivedV1, WebchatMessageStoredV1
from .values import (
    AppRef,
    Attachment,
    Author,
    AuthorType,
    Channel,
    ChatMode,
    ChatStatus,
    DeliveryState,
    PersonRef,
)

CONTRACTS: tuple[type[Contract], ...] = (
    MessageReceivedV1,
    ChatChangedV1,
    MessageCreatedV1,
    OutboundRequestedV1,
    WebchatMessageStoredV1,
    DeliveryUpdatedV1,
    MessageUpdatedV1,
    UserChangedV1,
    TeamspaceSettingsChangedV1,
    ChatClosedV1,
    NoteChangedV1,
    ChatTransferredV1,
    BanChangedV1,
    PresenceChangedV1,
)

__all__ = [
    "CONTRACTS",
    "AppRef",
    "AssignmentMethod",
    "Attachment",
    "Author",
    "AuthorType",
    "BanChangedV1",
    "Channel",
    "ChatChangedV1",
    "ChatClosedV1",
    "ChatMode",
    "ChatSnapshot",
    "ChatStatus",
    "ChatTransferredV1",
    "Contract",
    "DeliveryState",
    "DeliveryUpdatedV1",
    "DirectoryUser",
    "Envelope",
    "MessageCreatedV1",
    "MessageEvent",
    "MessageReceivedV1",
    "MessageUpdatedV1",
    "MessageView",
    "NoteAuthor",
    "NoteChangedV1",
    "NoteColour",
    "NoteView",
    "OutboundRequestedV1",
    "PersonRef",
    "PresenceChangedV1",
    "PresenceStatus",
    "TeamspaceSettings",
    "TeamspaceSettingsChangedV1",
    "UserChangedV1",
    "WebchatMessageStoredV1",
]
