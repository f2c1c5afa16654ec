"""Pagination tokens: opaque, tamper-evident, bound to the query they continue."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openssm.core.errors import ApiError
from openssm.core.paging import PageTokens, query_scope

KEY = b"k" * 32
TOKENS = PageTokens(KEY)
SCOPE = query_scope("ListCommands", {"InstanceId": "mi-0123456789abcdef0"})

positions = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


def refused(token: str, scope: str = SCOPE, tokens: PageTokens = TOKENS, **kwargs: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        tokens.decode(scope, token, **kwargs)
    return caught.value


@settings(max_examples=50, derandomize=True, database=None)
@given(position=positions)
def test_a_token_gives_back_the_position_it_was_made_from(position: Any) -> None:
    token = TOKENS.encode(SCOPE, position)

    assert TOKENS.decode(SCOPE, token) == position


def test_a_token_is_url_safe_text_without_padding() -> None:
    token = TOKENS.encode(SCOPE, {"created": "2026-01-01T00:00:00Z", "id": "x" * 40})

    assert token.isascii() and not set(token) & set("+/= ")


@pytest.mark.parametrize("token", ["", "abc", "not a token!", "\u00e9\u00e9\u00e9\u00e9", "A" * 400])
def test_a_forged_token_is_an_invalid_next_token(token: str) -> None:
    error = refused(token)

    assert (error.code, error.message) == ("InvalidNextToken", "The specified token is not valid.")


def test_an_altered_token_is_an_invalid_next_token() -> None:
    raw = bytearray(base64.urlsafe_b64decode(TOKENS.encode(SCOPE, {"id": 41}) + "=="))
    raw[-2] ^= 1  # the JSON position, the tag left as it was
    altered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")

    assert refused(altered).code == "InvalidNextToken"


def test_a_token_of_another_query_is_an_invalid_next_token() -> None:
    other_filters = query_scope("ListCommands", {"InstanceId": "mi-0000000000000000f"})
    other_operation = query_scope("ListCommandInvocations", {"InstanceId": "mi-0123456789abcdef0"})

    for scope in (other_filters, other_operation):
        assert refused(TOKENS.encode(scope, {"id": 1})).code == "InvalidNextToken"


def test_a_token_of_another_server_is_an_invalid_next_token() -> None:
    foreign = PageTokens(b"another-key-of-another-install!!").encode(SCOPE, {"id": 1})

    assert refused(foreign).code == "InvalidNextToken"


def test_an_operation_can_name_its_own_error_for_a_bad_token() -> None:
    assert refused("abc", error_code="InvalidFilterValue").code == "InvalidFilterValue"


def test_the_scope_ignores_the_order_of_filter_keys_but_not_their_values() -> None:
    assert query_scope("ListDocuments", {"a": 1, "b": 2}) == query_scope("ListDocuments", {"b": 2, "a": 1})
    assert query_scope("ListDocuments", {"a": 1}) != query_scope("ListDocuments", {"a": 2})
