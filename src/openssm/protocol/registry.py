"""The operation table: which handler serves which (service, operation).

Handlers are methods marked with `@operation("SendCommand")` on a feature's handler object;
`OperationRegistry.add(handlers)` binds them. Nothing is registered implicitly.
A handler takes `(ctx, params)` and returns the output dict; it may be `async` (long polls).
Synchronous handlers are run off the event loop by the server.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

_MARK = "__openssm_operation__"

F = TypeVar("F", bound=Callable[..., Any])


USER = "user"
NODE = "node"
ANONYMOUS = "anonymous"


def operation(name: str, *, service: str = "ssm", callers: tuple[str, ...] = (USER,)) -> Callable[[F], F]:
    """Mark a method as the handler of `name`.

    `callers` says which principals may call it: API users (`USER`), managed nodes with their
    temporary credentials (`NODE`), or anyone, unsigned (`ANONYMOUS`: the handler then checks
    whatever proof the request carries itself, e.g. the RSA-signed token request).
    """

    def mark(fn: F) -> F:
        setattr(fn, _MARK, (service, name, callers))
        return fn

    return mark


@dataclass(frozen=True, slots=True)
class Handler:
    service: str
    name: str
    call: Callable[..., Any]
    is_async: bool
    callers: tuple[str, ...]


class OperationRegistry:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], Handler] = {}

    def add(self, handlers: object) -> None:
        for attr in dir(type(handlers)):
            fn = getattr(type(handlers), attr, None)
            mark = getattr(fn, _MARK, None)
            if mark is None:
                continue
            service, name, callers = mark
            if (service, name) in self._handlers:
                raise ValueError(f"operation {service}.{name} registered twice")
            bound = getattr(handlers, attr)
            self._handlers[(service, name)] = Handler(
                service, name, bound, inspect.iscoroutinefunction(bound), callers
            )

    def lookup(self, service: str, name: str) -> Handler | None:
        return self._handlers.get((service, name))

    def names(self, service: str) -> list[str]:
        return sorted(name for svc, name in self._handlers if svc == service)
