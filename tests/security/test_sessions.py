"""Sessions: argon2 passwords, a new session id at every login (a cookie planted before login
is never accepted), HttpOnly + SameSite=Lax cookies (Secure over https or with
secure_cookies), logout ends the session, and login failures are rate limited."""
from __future__ import annotations

import time
from dataclasses import replace

from fastapi.testclient import TestClient
from web_fixtures import PASSWORD

from weijian.web.auth import COOKIE, RateLimiter


def _login(client, name="admin", password=PASSWORD):
    return client.post("/login", data={"name": name, "password": password})


def _cookie_header(response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE + "=")]
    assert len(headers) == 1, headers
    return headers[0]


def test_passwords_are_stored_as_argon2_hashes(secure_web):
    with secure_web.workspaces.reader() as ws:
        stored = ws.store.user("admin")["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_planted_session_cookie_is_not_accepted_and_login_replaces_it(secure_web):
    client = TestClient(secure_web.app, follow_redirects=False)
    client.cookies.set(COOKIE, "attacker-chose-this-id")
    assert client.get("/api/me").status_code == 401
    response = _login(client)
    assert response.status_code == 303
    new_id = response.cookies.get(COOKIE)
    assert new_id and new_id != "attacker-chose-this-id" and len(new_id) >= 40
    victim_view = TestClient(secure_web.app, follow_redirects=False)
    victim_view.cookies.set(COOKIE, "attacker-chose-this-id")
    assert victim_view.get("/api/me").status_code == 401  # the planted id never became a session


def test_every_login_gets_a_new_session_id_and_logout_ends_it(secure_web):
    client = secure_web.client("admin")
    first = client.cookies.get(COOKIE)
    second = _login(client).cookies.get(COOKIE)
    assert first != second
    old = TestClient(secure_web.app, follow_redirects=False)
    old.cookies.set(COOKIE, first)
    assert old.get("/api/me").status_code == 200  # two logins, two sessions
    csrf = old.get("/api/me").json()["csrf"]
    assert old.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 303
    again = TestClient(secure_web.app, follow_redirects=False)
    again.cookies.set(COOKIE, first)
    assert again.get("/api/me").status_code == 401


def test_session_cookie_flags_over_http(secure_web):
    header = _cookie_header(_login(TestClient(secure_web.app, follow_redirects=False))).lower()
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header
    assert "secure" not in header.replace("samesite", "")


def test_session_cookie_is_secure_over_https(secure_web):
    client = TestClient(secure_web.app, base_url="https://testserver", follow_redirects=False)
    header = _cookie_header(_login(client)).lower()
    assert "; secure" in header and "httponly" in header and "samesite=lax" in header


def test_session_cookie_is_secure_with_the_setting(secure_web):
    app = secure_web.app
    original = app.state.settings
    app.state.settings = replace(original, secure_cookies=True)
    try:
        header = _cookie_header(_login(TestClient(app, follow_redirects=False))).lower()
    finally:
        app.state.settings = original
    assert "; secure" in header


def test_login_failures_are_rate_limited(secure_web):
    client = TestClient(secure_web.app, follow_redirects=False)
    for _ in range(5):
        response = _login(client, "ratelimited", "wrong-password")
        assert response.status_code == 401 and "用户名或密码不正确" in response.text
    blocked = _login(client, "ratelimited", PASSWORD)  # even the right password now
    assert blocked.status_code == 429 and "登录失败次数过多" in blocked.text
    assert "set-cookie" not in blocked.headers
    assert _login(client, "viewer").status_code == 303  # other users are not affected
    with secure_web.workspaces.reader() as ws:
        failures = ws.store.events(user="ratelimited", action="login-failed")
    assert len(failures) >= 5


def test_the_limiter_forgets_failures_after_its_window():
    limiter = RateLimiter(limit=2, window=0.2)
    key = ("张三", "10.0.0.1")
    limiter.fail(key)
    limiter.fail(key)
    assert limiter.blocked(key) and not limiter.blocked(("张三", "10.0.0.2"))
    time.sleep(0.25)
    assert not limiter.blocked(key)


def test_redirect_after_login_stays_on_this_site(secure_web):
    client = TestClient(secure_web.app, follow_redirects=False)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "\\\\evil.example"):
        response = client.post("/login", data={"name": "viewer", "password": PASSWORD, "next": target})
        assert response.status_code == 303 and response.headers["location"] == "/", target


def test_the_limiter_slows_rather_than_locks():
    limiter = RateLimiter(limit=2, window=600, max_delay=60)
    key, other = ("张三", "10.0.0.1"), ("张三", "10.0.0.2")
    limiter.fail(key)
    limiter.fail(key)
    assert 0.9 < limiter.wait_seconds(key) <= 1.0  # the third attempt waits a second, not a quarter of an hour
    limiter.fail(key)
    assert 1.9 < limiter.wait_seconds(key) <= 2.0  # then two
    for _ in range(20):
        limiter.fail(key)
    assert limiter.wait_seconds(key) <= 60  # never more than a minute
    assert limiter.wait_seconds(other) == 0  # the same user from elsewhere logs in at once


def test_forwarded_addresses_are_not_trusted_unless_told(monkeypatch):
    """`serve` hands uvicorn proxy_headers only with --trust-proxy."""
    import uvicorn
    from typer.testing import CliRunner

    from weijian.cli import app

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append(k))
    monkeypatch.setattr("weijian.cli.users._check_port", lambda host, port: None)
    monkeypatch.setattr("weijian.web.create_app", lambda *a, **k: object())
    monkeypatch.setattr("weijian.web.users.demo_users", lambda ws: [])
    runner = CliRunner()
    import tempfile
    from pathlib import Path

    from weijian.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ws"
        Workspace.init(folder, county="某某县").close()
        assert runner.invoke(app, ["serve", "-w", str(folder)]).exit_code == 0
        assert runner.invoke(app, ["serve", "-w", str(folder), "--trust-proxy", "127.0.0.1"]).exit_code == 0
    assert calls[0]["proxy_headers"] is False and calls[1]["proxy_headers"] is True
    assert calls[1]["forwarded_allow_ips"] == "127.0.0.1"
