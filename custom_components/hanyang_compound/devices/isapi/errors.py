"""Typed errors of the access terminal client."""

from __future__ import annotations


class TerminalError(Exception):
    """Anything that went wrong talking to an access terminal."""


class TerminalUnreachableError(TerminalError):
    """The terminal did not answer (network down, refused, timed out)."""


class TerminalAuthError(TerminalError):
    """The terminal refused the credentials; retrying with the same ones would risk a lockout."""


class NotSupportedError(TerminalError):
    """The device answered but is not an access terminal speaking the ISAPI subset."""


class TerminalProtocolError(TerminalError):
    """The terminal answered something the client cannot understand."""


class StreamSlotTakenError(TerminalError):
    """The terminal's only alert-stream slot is held by another subscriber (deployExceedMax)."""


class StreamStalledError(TerminalError):
    """The alert stream stayed open but sent nothing, not even a heartbeat, for too long."""


class MalformedPartError(TerminalProtocolError):
    """One part of the alert stream could not be read; the stream goes on with the next part."""
