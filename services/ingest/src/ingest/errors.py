"""The ingest service's domain errors and their one mapping to HTTP statuses."""

from __future__ import annotations

from livechat_shared.errors import DomainError, ErrorStatuses


class AppNotFound(DomainError):
    """No such channel app, or one of another workspace (never reported as forbidden)."""

    code = "not_found"
    default_message = "app not found"


class WebchatAppNotFound(AppNotFound):
    """No such app, or one that is not a Webchat app."""

    default_message = "webchat app not found"


class InvalidSession(DomainError):
    """The webchat session token is missing, unknown, of another app or expired."""

    code = "invalid_session"
    default_message = "a valid webchat session token is required"


class VisitorUnverified(DomainError):
    """A session was asked for a given visitor without proof of being that visitor."""

    code = "visitor_unverified"
    default_message = (
        "a session for this visitor_id needs proof: a valid session token of the same visitor "
        "(Authorization: Bearer) or the visitor_hash of the app's identity verification"
    )


class InvalidCursor(DomainError):
    """A socket's ``?after=`` is not a cursor (an integer from 0 to 2**53-1)."""

    code = "invalid_after"
    default_message = "after must be an integer from 0 to 9007199254740991"


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "you may not do this"


class BrokerUnavailable(DomainError):
    """The broker did not confirm a publish: nothing may be reported as accepted or done.

    On the bus the message that caused it is redelivered.
    """

    code = "broker_unavailable"
    default_message = "the message could not be accepted; retry later"
    on_bus = "retry"


class InvalidSignature(DomainError):
    """A webhook's signature, secret token or API key is missing or wrong: nothing is read or stored."""

    code = "invalid_signature"
    default_message = "the request is not signed by the channel app"


class HandshakeRefused(DomainError):
    """A webhook verification handshake without the app's verify token."""

    code = "handshake_refused"
    default_message = "hub.mode must be subscribe and hub.verify_token the app's verify token"


class MalformedPayload(DomainError):
    """A signed webhook body that is not the provider's payload."""

    code = "malformed_payload"
    default_message = "the body is not the channel's payload"


HTTP_STATUS: ErrorStatuses = {
    AppNotFound: 404,
    WebchatAppNotFound: 404,
    InvalidSession: 401,
    VisitorUnverified: 403,
    InvalidCursor: 400,
    Forbidden: 403,
    BrokerUnavailable: 503,
    InvalidSignature: 401,
    HandshakeRefused: 403,
    MalformedPayload: 400,
}
