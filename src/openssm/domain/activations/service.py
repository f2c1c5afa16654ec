"""Activation rules: limits and expiry at creation, listing with filters and paging, deletion, and
the registration slot a registering node takes (`consume`).

The activation code is shown once; only its SHA-256 is stored (codes are random, 20 characters of
a 64-letter alphabet, so a plain hash cannot be reversed by guessing).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection

from openssm.core.clock import Clock
from openssm.core.errors import ApiError
from openssm.core.ids import new_activation_code, new_activation_id
from openssm.core.paging import PageTokens, query_scope
from openssm.domain.activations import repository
from openssm.domain.activations.models import (
    Activation,
    ActivationFilter,
    ActivationPage,
    CreateActivationRequest,
    CreatedActivation,
    Tag,
)
from openssm.store.engine import Database

DEFAULT_LIFETIME = timedelta(hours=24)
MAX_LIFETIME = timedelta(days=30)
CLOCK_TOLERANCE = timedelta(minutes=5)
"""An ExpirationDate computed by a client as "now + 30 days" arrives a little later; the same
5 minutes SigV4 allows for clock skew keep it acceptable."""
DEFAULT_REGISTRATION_LIMIT = 1
DEFAULT_PAGE_SIZE = 50
MAX_TAGS = 50
"""Activation tags are copied onto every node registering with it: a node holds at most 50."""

INVALID_ACTIVATION = (
    "The activation isn't valid. The activation might have been deleted, or the ActivationId and the "
    "ActivationCode don't match."
)


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class ActivationService:
    def __init__(self, db: Database, clock: Clock, tokens: PageTokens) -> None:
        self._db = db
        self._clock = clock
        self._tokens = tokens

    def create(self, account_id: str, request: CreateActivationRequest) -> CreatedActivation:
        now = self._clock.now()
        if not request.iam_role.strip():
            raise ApiError(
                "ValidationException", "Nonexistent role or missing ssm service principal in trust policy"
            )
        expiration = request.expiration_date or now + DEFAULT_LIFETIME
        # Wording unconfirmed: AWS documents the rule ("up to 30 days in advance"), not its message.
        if expiration <= now:
            raise ApiError("ValidationException", "ExpirationDate must be in the future.")
        if expiration > now + MAX_LIFETIME + CLOCK_TOLERANCE:
            raise ApiError("ValidationException", "ExpirationDate can't be more than 30 days in the future.")
        tags = _last_value_wins(request)
        if len(tags) > MAX_TAGS:
            raise ApiError("ValidationException", f"An activation can have at most {MAX_TAGS} tags.")
        if any(tag.key.lower().startswith("aws:") for tag in tags):
            raise ApiError("ValidationException", "Tag keys beginning with 'aws:' are reserved for AWS use.")
        activation_id = new_activation_id()
        code = new_activation_code()
        row = {
            "activation_id": activation_id,
            "account_id": account_id,
            "code_hash": code_hash(code),
            "description": request.description,
            "default_instance_name": request.default_instance_name,
            "iam_role": request.iam_role,
            "registration_limit": request.registration_limit or DEFAULT_REGISTRATION_LIMIT,
            "registrations_count": 0,
            "expiration_date": expiration,
            "created_date": now,
            "tags": [{"Key": t.key, "Value": t.value} for t in tags],
            "registration_metadata": [
                {"Key": t.key, "Value": t.value} for t in request.registration_metadata
            ],
        }
        with self._db.begin() as conn:
            repository.insert_activation(conn, row)
        return CreatedActivation(activation_id=activation_id, activation_code=code)

    def describe(
        self,
        account_id: str,
        filters: Sequence[ActivationFilter],
        max_results: int | None,
        next_token: str | None,
    ) -> ActivationPage:
        scope = query_scope(
            "DescribeActivations", account_id, [[f.key.value, list(f.values)] for f in filters]
        )
        after: tuple[datetime, str] | None = None
        if next_token:
            created, activation_id = self._tokens.decode(scope, next_token)
            after = (datetime.fromisoformat(created), activation_id)
        limit = max_results or DEFAULT_PAGE_SIZE
        now = self._clock.now()
        with self._db.begin() as conn:
            found = repository.page(conn, account_id, filters, after, limit + 1)
        token = None
        if len(found) > limit:
            found = found[:limit]
            last = found[-1]
            token = self._tokens.encode(scope, [last.created_date.isoformat(), last.activation_id])
        return ActivationPage(as_of=now, activations=found, next_token=token)

    def delete(self, account_id: str, activation_id: str) -> None:
        """Removes the activation: nodes registered with it stay; new registrations fail."""
        with self._db.begin() as conn:
            if not repository.delete_activation(conn, account_id, activation_id):
                raise ApiError("InvalidActivationId", f"Activation ID {activation_id} is not valid.")

    def consume(self, conn: Connection, activation_id: str, code: str, now: datetime) -> Activation:
        """Take one registration of the activation for a registering node, in the caller's
        transaction: InvalidActivation (unknown, deleted, wrong code), ActivationExpired,
        RegistrationLimitExceeded."""
        row = repository.get(conn, activation_id)
        if row is None or not hmac.compare_digest(row["code_hash"], code_hash(code)):
            raise ApiError("InvalidActivation", INVALID_ACTIVATION)
        activation = repository.to_activation(row)
        if activation.expired(now):
            raise ApiError("ActivationExpired", f"Activation {activation_id} has expired.")
        if not repository.take_registration(conn, activation_id):
            if repository.get(conn, activation_id) is None:  # deleted meanwhile
                raise ApiError("InvalidActivation", INVALID_ACTIVATION)
            raise ApiError(
                "RegistrationLimitExceeded",
                f"Registration limit of {activation.registration_limit} reached for activation "
                f"{activation_id}.",
            )
        return activation


def _last_value_wins(request: CreateActivationRequest) -> list[Tag]:
    by_key = {tag.key: tag for tag in request.tags}
    return list(by_key.values())
