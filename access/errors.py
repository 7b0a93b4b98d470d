"""Errors of :mod:`access`: one root, :class:`AccessError`."""

from __future__ import annotations


class AccessError(Exception):
    """Root of every error raised by :mod:`access`."""


class UsersFileError(AccessError):
    """The users file cannot be read, is malformed, or is writable by other accounts."""


class UserError(AccessError):
    """A user command names an unknown user, a taken name, an unknown role or a bad password."""


class SignInError(AccessError):
    """A sign-in was refused: wrong name or password, or a locked account."""


class SessionExpired(SignInError):
    """A session is older than its lifetime; the user must sign in again."""


class PermissionDenied(AccessError):
    """The user's role does not allow what was asked."""


class UnsafeLocation(AccessError):
    """A folder or file another account could write (or owned by another account) was refused."""


class UploadRejected(AccessError):
    """An uploaded file is too large, of a type not allowed, or has an unusable name."""


class AuditError(AccessError):
    """The audit log cannot be opened or written."""
