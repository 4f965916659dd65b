"""Who is asking: passwords (argon2), session cookies, API tokens, CSRF and login rate limiting.

A browser logs in with a password and gets a random session id in an
HttpOnly, SameSite=Lax cookie (Secure behind HTTPS); the store keeps only
its SHA-256. Every state-changing request made with that cookie must carry
the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``). Machine clients send ``Authorization: Bearer <token>``
instead; such a request carries no ambient credential, so it needs no CSRF
token. What a user may do and where is decided in ``access``.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request

from weijian.storage import USER_ROLES
from weijian.web.settings import Settings
from weijian.web.workspaces import Workspaces

COOKIE = "wj_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_LOOKUP_SECONDS = 30  # a session or token lookup is trusted this long (logout drops it at once)

_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    orgunit: str
    csrf: str | None = None  # None for token (API) requests
    session: str | None = None  # hash of the session id


class AuthError(Exception):
    """Not logged in, bad credentials, bad CSRF token or rate limited; ``status`` says which."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_password() -> str:
    """A random password people can type: 4 groups of 4 letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


class RateLimiter:
    """Login failures per (user name, client address): the first ``limit`` in ``window``
    seconds are free; each one after that must wait twice as long as the one before
    (1 s, 2 s, 4 s … at most ``max_delay``). It slows guessing without locking anyone
    out: the key holds the client, so another person's failures never block a user's
    own login, and a pause ends in seconds, not a quarter of an hour."""

    def __init__(self, limit: int, window: float, max_delay: float = 60.0):
        self.limit = limit
        self.window = window
        self.max_delay = max_delay
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait_seconds(self, key: tuple[str, str]) -> float:
        """How long this key must still wait before its next attempt (0: go ahead)."""
        with self._lock:
            times = self._failures[key]
            now = time.monotonic()
            while times and times[0] < now - self.window:
                times.popleft()
            extra = len(times) - self.limit
            if extra < 0:
                return 0.0
            delay = min(self.max_delay, 2.0 ** extra)
            return max(0.0, times[-1] + delay - now)

    def blocked(self, key: tuple[str, str]) -> bool:
        return self.wait_seconds(key) > 0

    def fail(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures[key].append(time.monotonic())

    def reset(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


class Auth:
    def __init__(self, workspaces: Workspaces, settings: Settings):
        self.workspaces = workspaces
        self.settings = settings
        self.limiter = RateLimiter(settings.login_failures, settings.login_window_minutes * 60)
        self._seen: dict[str, tuple[float, User]] = {}
        self._lock = threading.Lock()

    # -- password login --------------------------------------------------------------
    def login(self, name: str, password: str, address: str) -> tuple[str, User]:
        """(session cookie value, user); AuthError 401 or 429 (Chinese message)."""
        key = (name, address)
        wait = self.limiter.wait_seconds(key)
        if wait > 0:
            raise AuthError(429, f"登录失败次数过多，请 {max(1, round(wait))} 秒后再试")
        with self.workspaces.reader() as ws:
            row = ws.store.user(name)
        if row is None or not row["active"] or not verify_password(row["password_hash"], password):
            self.limiter.fail(key)
            self.workspaces.write(lambda ws: ws.store.log_event(name, "login-failed", address=address))
            raise AuthError(401, "用户名或密码不正确")
        self.limiter.reset(key)
        session, csrf = new_secret(), new_secret()
        expires = datetime.now() + timedelta(hours=self.settings.session_hours)

        def store(ws):
            ws.store.add_session(digest(session), name, csrf, expires)
            ws.store.log_event(name, "login", address=address)
        self.workspaces.write(store)
        return session, User(row["name"], row["role"], row["orgunit"], csrf, digest(session))

    def logout(self, user: User, address: str) -> None:
        if user.session is None:
            return
        with self._lock:
            self._seen.pop("s:" + user.session, None)

        def end(ws):
            ws.store.delete_session(user.session)
            ws.store.log_event(user.name, "logout", address=address)
        self.workspaces.write(end)

    # -- who is asking ---------------------------------------------------------------
    def user_of(self, request: Request) -> User | None:
        header = request.headers.get("authorization", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() in ("bearer", "apitoken"):  # ours, and DHIS2's name for the same kind of token
            return self._lookup("t:" + digest(credential.strip()), self._token_user)
        if scheme.lower() == "basic":
            return self._basic_user(credential.strip(), request.client.host if request.client else "")
        cookie = request.cookies.get(COOKIE)
        if cookie:
            return self._lookup("s:" + digest(cookie), self._session_user)
        return None

    def check_csrf(self, request: Request, user: User, form_token: str | None) -> None:
        if request.method not in UNSAFE_METHODS or user.csrf is None:
            return  # safe method, or a Bearer-token request (no ambient credential)
        sent = request.headers.get(CSRF_HEADER) or form_token or ""
        if not secrets.compare_digest(sent.encode(), user.csrf.encode()):
            raise AuthError(403, "页面已过期或请求来源无效（CSRF 校验失败），请刷新页面后重试")

    def _lookup(self, key: str, load) -> User | None:
        now = time.monotonic()
        with self._lock:
            hit = self._seen.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        user = load(key[2:])
        if user is not None:
            with self._lock:
                if len(self._seen) > 10_000:
                    self._seen.clear()
                self._seen[key] = (now + _LOOKUP_SECONDS, user)
        return user

    def _basic_user(self, credential: str, address: str) -> User | None:
        """HTTP Basic (what DHIS2 clients send by default): the same password check and
        login limit as the login page; a good answer is remembered briefly, not re-hashed."""
        key = "b:" + digest(credential)
        with self._lock:
            hit = self._seen.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
        try:
            name, sep, password = base64.b64decode(credential, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        if not sep:
            return None
        limited = (name, address)
        if self.limiter.blocked(limited):
            raise AuthError(429, "登录失败次数过多，请稍后再试")
        with self.workspaces.reader() as ws:
            row = ws.store.user(name)
        if row is None or not row["active"] or not row["password_hash"] or not verify_password(row["password_hash"],
                                                                                             password):
            self.limiter.fail(limited)
            return None
        self.limiter.reset(limited)
        user = User(row["name"], row["role"], row["orgunit"])
        with self._lock:
            self._seen[key] = (time.monotonic() + _LOOKUP_SECONDS, user)
        return user

    def _session_user(self, id_hash: str) -> User | None:
        with self.workspaces.reader() as ws:
            found = ws.store.session(id_hash)
            row = ws.store.user(found["user_name"]) if found else None
        if row is None or not row["active"]:
            return None
        return User(row["name"], row["role"], row["orgunit"], found["csrf"], id_hash)

    def _token_user(self, token_hash: str) -> User | None:
        with self.workspaces.reader() as ws:
            name = ws.store.token_user(token_hash)
            row = ws.store.user(name) if name else None
        if row is None or not row["active"]:
            return None
        return User(row["name"], row["role"], row["orgunit"])


def cookie_options(request: Request, settings: Settings) -> dict:
    secure = settings.secure_cookies or request.url.scheme == "https"
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/",
            "max_age": int(settings.session_hours * 3600)}


__all__ = ["COOKIE", "CSRF_FIELD", "CSRF_HEADER", "USER_ROLES", "Auth", "AuthError", "RateLimiter", "User",
           "cookie_options", "digest", "hash_password", "new_password", "new_secret", "verify_password"]
