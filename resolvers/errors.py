"""Errors of the resolver layer; the schema turns them into `extensions.code`."""

from __future__ import annotations


class Unauthenticated(Exception):
    """The operation needs a signed-in viewer."""

    def __init__(self, message: str = "sign in to do this") -> None:
        super().__init__(message)


class Forbidden(Exception):
    """The viewer is signed in but may not do this."""

    def __init__(self, message: str = "you are not allowed to do this") -> None:
        super().__init__(message)
