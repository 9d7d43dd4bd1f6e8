"""Every domain error of the inbox has its HTTP status."""

from __future__ import annotations

import inspect

from inbox import errors
from livechat_shared.errors import DomainError


def test_every_domain_error_is_mapped_to_a_status() -> None:
    defined = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, DomainError) and cls is not DomainError
    }
    assert defined, "the inbox defines domain errors"
    assert defined <= set(errors.HTTP_STATUS)
    assert all(400 <= status < 600 for status in errors.HTTP_STATUS.values())
