"""The local users file (offline sign-in): users, roles, posts, parks, argon2 password hashes, lock-out.

The file is JSON, written atomically with mode 0600, at ``$PATROL_USERS_FILE``
(default ``~/.config/rhino-patrol/users.json``, outside every park folder).
A file writable by other accounts is refused: whoever can write it can make
themselves a manager.

    {"version": 1, "users": {"amina": {"role": "ranger", "posts": ["North"],
      "parks": ["/srv/parks/north"], "hash": "$argon2id$...", "failed": 0,
      "locked_until": null, "changed": "2026-12-01T08:00:00+00:00"}}}
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .defaults import (
    LOCKOUT_ATTEMPTS,
    LOCKOUT_MINUTES,
    MIN_PASSWORD_LENGTH,
    NAME_PATTERN,
    ROLES,
    SESSION_HOURS,
    USERS_FILE_MODE,
    USERS_FILE_VERSION,
    users_file,
)
from .errors import SessionExpired, SignInError, UnsafeLocation, UserError, UsersFileError
from .files import check_private, private_dir, write_private

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so a wrong name costs as long as a wrong password."""
    return _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    """Who is signed in: name, role, the posts a ranger belongs to, the park folders they may open.

    ``parks`` holds folder paths, or ``"*"`` for every configured park.
    """

    name: str
    role: str
    posts: tuple[str, ...] = ()
    parks: tuple[str, ...] = ()
    display: str = ""
    email: str = ""

    @property
    def label(self) -> str:
        return f"{self.display or self.name} ({self.role})"


@dataclass(frozen=True)
class Session:
    """A signed-in user and when the session was issued; see :func:`check_session`."""

    user: User
    issued: dt.datetime
    hours: float = SESSION_HOURS
    method: str = "password"  # "password" (users file), "oidc" (st.login), "open" (no sign-in)

    @property
    def expires(self) -> dt.datetime:
        return self.issued + dt.timedelta(hours=self.hours)


def _now(now: dt.datetime | None = None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def new_session(user: User, method: str = "password", hours: float = SESSION_HOURS, now=None) -> Session:
    """A session for ``user`` issued now (or at ``now``)."""
    return Session(user=user, issued=_now(now), hours=float(hours), method=method)


def check_session(session: Session | None, now: dt.datetime | None = None) -> User:
    """The session's user, or :class:`SessionExpired` when it is missing or older than its lifetime."""
    if session is None:
        raise SessionExpired("Not signed in. Fix: sign in on the Sign in page")
    if _now(now) >= session.expires:
        raise SessionExpired(
            f"The session of {session.user.name} expired at {session.expires:%Y-%m-%d %H:%M} UTC "
            f"({session.hours:g} h after sign-in). Fix: sign in again"
        )
    return session.user


def check_password_rules(password: str) -> None:
    """Raise :class:`UserError` for a password that is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"The password has {len(password)} characters; at least {MIN_PASSWORD_LENGTH} are needed. "
            "Fix: choose a longer one (a few words work well)"
        )


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}. Fix: use one of {', '.join(ROLES)}")
    return role


def _check_name(name: str) -> str:
    if not re.match(NAME_PATTERN, name or ""):
        raise UserError(
            f"User name {name!r} is not allowed. Fix: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (at most 64)"
        )
    return name


@dataclass
class UserStore:
    """The users file at ``path`` (default :func:`access.defaults.users_file`).

    Every change reads the file, changes it and writes it back atomically under
    an exclusive lock, so two commands (or an app sign-in and a command) do not
    lose each other's changes.
    """

    path: Path = field(default_factory=users_file)
    hasher: PasswordHasher = field(default=_HASHER, repr=False)  # argon2id with the library's default cost

    def __post_init__(self):
        self.path = Path(self.path).expanduser()

    # --- file --------------------------------------------------------------------
    def _read(self) -> dict:
        if not self.path.exists():
            return {"version": USERS_FILE_VERSION, "users": {}}
        try:
            check_private(self.path, directory=False)
            check_private(self.path.parent, directory=True)
        except UnsafeLocation as exc:
            raise UsersFileError(f"{exc} (whoever can write the users file can make themselves a manager)") from exc
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise UsersFileError(
                f"{self.path}: not valid JSON (line {exc.lineno}: {exc.msg}). Fix: restore it from a backup"
            ) from exc
        except OSError as exc:
            raise UsersFileError(f"{self.path}: cannot be read ({exc.strerror or exc})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
            raise UsersFileError(f"{self.path}: no 'users' table. Fix: restore it from a backup")
        return data

    def _write(self, data: dict) -> None:
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        write_private(self.path, text.encode("utf-8"), USERS_FILE_MODE)

    @contextlib.contextmanager
    def _locked(self):
        private_dir(self.path.parent)
        lock = self.path.with_name(f".{self.path.name}.lock")
        with os.fdopen(os.open(lock, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600), "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                data = self._read()
                yield data
                self._write(data)
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _record(self, data: dict, name: str) -> dict:
        rec = data["users"].get(name)
        if rec is None:
            raise UserError(f"No user {name!r} in {self.path}. Fix: `python -m access list` shows the users")
        return rec

    # --- reading ----------------------------------------------------------------------
    def users(self) -> list[User]:
        """Every user, sorted by name (no hashes)."""
        return [self._user(n, r) for n, r in sorted(self._read()["users"].items())]

    def get(self, name: str) -> User:
        """The user called ``name`` (:class:`UserError` when there is none)."""
        return self._user(name, self._record(self._read(), name))

    @staticmethod
    def _user(name: str, rec: dict) -> User:
        return User(
            name=name,
            role=str(rec.get("role", "")),
            posts=tuple(rec.get("posts") or ()),
            parks=tuple(rec.get("parks") or ()),
            display=str(rec.get("display") or ""),
            email=str(rec.get("email") or ""),
        )

    def status(self, name: str, now=None) -> dict:
        """Failed attempts in a row and the end of a lock-out (``None`` when not locked)."""
        rec = self._record(self._read(), name)
        until = rec.get("locked_until")
        locked = until is not None and dt.datetime.fromisoformat(until) > _now(now)
        return {"failed": int(rec.get("failed", 0)), "locked_until": until if locked else None}

    # --- changes --------------------------------------------------------------------------
    def by_email(self, email: str) -> User | None:
        """The user whose e-mail is ``email`` (case-insensitive), for OpenID Connect sign-ins; ``None`` if none."""
        email = email.strip().lower()
        if not email:
            return None
        for name, rec in self._read()["users"].items():
            if str(rec.get("email") or "").lower() == email:
                return self._user(name, rec)
        return None

    def add(self, name: str, password: str, role: str, posts=(), parks=(), display: str = "", email: str = "") -> User:
        """Add a user (:class:`UserError` when the name is taken, the role unknown or the password short)."""
        _check_name(name)
        _check_role(role)
        check_password_rules(password)
        with self._locked() as data:
            if name in data["users"]:
                raise UserError(f"User {name!r} already exists in {self.path}. Fix: choose another name")
            data["users"][name] = {
                "role": role,
                "posts": list(posts),
                "parks": [str(p) for p in parks],
                "display": display,
                "email": email.strip(),
                "hash": self.hasher.hash(password),
                "failed": 0,
                "locked_until": None,
                "changed": _now().isoformat(),
            }
        return self.get(name)

    def remove(self, name: str) -> None:
        with self._locked() as data:
            self._record(data, name)
            del data["users"][name]

    def set_role(self, name: str, role: str) -> User:
        _check_role(role)
        with self._locked() as data:
            rec = self._record(data, name)
            rec["role"], rec["changed"] = role, _now().isoformat()
        return self.get(name)

    def set_password(self, name: str, password: str) -> None:
        """A new password; also lifts a lock-out."""
        check_password_rules(password)
        with self._locked() as data:
            rec = self._record(data, name)
            rec.update(hash=self.hasher.hash(password), failed=0, locked_until=None, changed=_now().isoformat())

    def set_access(self, name: str, posts=None, parks=None) -> User:
        """Replace the posts and/or the park folders of a user."""
        with self._locked() as data:
            rec = self._record(data, name)
            if posts is not None:
                rec["posts"] = list(posts)
            if parks is not None:
                rec["parks"] = [str(p) for p in parks]
            rec["changed"] = _now().isoformat()
        return self.get(name)

    # --- sign-in ----------------------------------------------------------------------------
    def authenticate(
        self,
        name: str,
        password: str,
        now: dt.datetime | None = None,
        attempts: int = LOCKOUT_ATTEMPTS,
        minutes: float = LOCKOUT_MINUTES,
    ) -> Session:
        """A new :class:`Session`, or :class:`SignInError`.

        ``attempts`` failures in a row lock the account for ``minutes``; while
        locked even the right password is refused.  An unknown name and a wrong
        password give the same message.
        """
        when = _now(now)
        refused = SignInError("Wrong user name or password. Fix: check both (names are lower case)")
        with self._locked() as data:
            rec = data["users"].get(name)
            if rec is None:
                with contextlib.suppress(VerificationError, InvalidHashError):
                    self.hasher.verify(_dummy_hash(), password)
                raise refused
            until = rec.get("locked_until")
            if until is not None and dt.datetime.fromisoformat(until) > when:
                raise SignInError(
                    f"The account {name!r} is locked after {attempts} failed sign-ins until "
                    f"{dt.datetime.fromisoformat(until):%H:%M} UTC. Fix: wait, or ask a manager to set a new password"
                )
            try:
                self.hasher.verify(rec["hash"], password)
            except (VerificationError, InvalidHashError):
                rec["failed"] = int(rec.get("failed", 0)) + 1
                if rec["failed"] >= attempts:
                    rec["locked_until"] = (when + dt.timedelta(minutes=minutes)).isoformat()
                    rec["failed"] = 0
                # the failure is counted: leave the with-block normally so it is written, then refuse
                failed = True
            else:
                failed = False
                rec["failed"], rec["locked_until"] = 0, None
                if self.hasher.check_needs_rehash(rec["hash"]):
                    rec["hash"] = self.hasher.hash(password)
                user = self._user(name, rec)
        if failed:
            raise refused
        return new_session(user, "password", now=when)
