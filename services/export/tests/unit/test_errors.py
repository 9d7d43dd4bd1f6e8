"""Every domain error of the export service has its HTTP status, code and bus outcome."""

from __future__ import annotations

import pytest
from export import errors
from livechat_dev.testing import domain_errors, http_status_of
from livechat_shared.errors import DomainError


@pytest.mark.parametrize("cls", domain_errors(errors), ids=lambda c: c.__name__)
def test_every_domain_error_is_mapped(cls: type[DomainError]) -> None:
    assert http_status_of(errors, cls) is not None, f"{cls.__name__} has no status in HTTP_STATUS"


@pytest.mark.parametrize(
    ("cls", "status", "code"),
    [
        (errors.ExportForbidden, 403, "forbidden"),
        (errors.DownloadForbidden, 403, "forbidden"),
        (errors.ExportNotFound, 404, "not_found"),
        (errors.ChatNotFound, 404, "not_found"),
        (errors.ExportNotReady, 409, "export_not_ready"),
        (errors.ExportGone, 410, "export_gone"),
        (errors.TooManyExports, 429, "too_many_exports"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_what_the_api_answers(cls: type[DomainError], status: int, code: str) -> None:
    assert (http_status_of(errors, cls), cls.code) == (status, code)


def test_a_malformed_event_is_dead_lettered_at_once() -> None:
    assert errors.MalformedEvent.on_bus == "reject"
