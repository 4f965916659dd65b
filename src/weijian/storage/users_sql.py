"""Users of the web application, their sessions and API tokens, and the
application's audit trail (migration 004), shared by the SQL backends.

``SqlUsers`` is mixed into ``sql_store.SqlStore`` and uses its ``_db``,
``_transaction`` and ``_now``, like ``ledger_sql.SqlLedger``. Rows come back
as plain dicts; ``weijian.web`` decides what a role may do, hashes passwords
(argon2) and hashes session ids and tokens before they reach these methods.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from weijian.errors import StoreError
from weijian.storage.base import USER_ROLES

if TYPE_CHECKING:
    from weijian.storage.sql_common import Db

USER_COLUMNS = ("name", "role", "orgunit", "password_hash", "active", "created_by", "created_at", "updated_at")
EVENT_COLUMNS = ("id", "at", "user_name", "action", "orgunit", "period", "detail", "address")

SELECT_USERS = f"SELECT {', '.join(USER_COLUMNS)} FROM web_user WHERE {{where}} ORDER BY name"
INSERT_USER = f"""
INSERT INTO web_user ({', '.join(USER_COLUMNS)})
VALUES (%(name)s, %(role)s, %(orgunit)s, %(password_hash)s, TRUE, %(by)s, %(at)s, %(at)s)
"""
INSERT_SESSION = """
INSERT INTO web_session (id_hash, user_name, csrf, created_at, expires_at)
VALUES (%(id_hash)s, %(user)s, %(csrf)s, %(at)s, %(expires_at)s)
"""
SELECT_SESSION = ("SELECT id_hash, user_name, csrf, created_at, expires_at FROM web_session "
                  "WHERE id_hash = %(id_hash)s AND expires_at > %(now)s")
DELETE_SESSION = "DELETE FROM web_session WHERE id_hash = %(id_hash)s"
INSERT_TOKEN = """
INSERT INTO web_token (token_hash, user_name, label, created_at)
VALUES (%(token_hash)s, %(user)s, %(label)s, %(at)s)
"""
SELECT_TOKEN = "SELECT user_name FROM web_token WHERE token_hash = %(token_hash)s"
INSERT_EVENT = """
INSERT INTO app_audit ("at", user_name, action, orgunit, period, detail, address)
VALUES (%(at)s, %(user)s, %(action)s, %(orgunit)s, %(period)s, %(detail)s, %(address)s)
"""
SELECT_EVENTS = """
SELECT id, "at", user_name, action, orgunit, period, detail, address FROM app_audit
WHERE {where}
ORDER BY id
"""


class SqlUsers:
    """The user, session, token and application-audit methods of ``SqlStore``."""

    # users -------------------------------------------------------------------
    def add_user(self, name: str, role: str, orgunit: str, password_hash: str | None, *, by: str) -> dict:
        _check_role(role)
        if not name.strip():
            raise StoreError("用户名不能为空")
        with self._transaction("新建用户") as db:
            if db.query(SELECT_USERS.format(where="name = %(name)s"), {"name": name}):
                raise StoreError(f"用户“{name}”已存在")
            db.execute(INSERT_USER, {"name": name, "role": role, "orgunit": orgunit,
                                     "password_hash": password_hash, "by": by, "at": self._now()})
        return self.user(name)

    def update_user(self, name: str, *, role: str | None = None, orgunit: str | None = None,
                    password_hash: str | None = None, active: bool | None = None) -> dict:
        changes = {k: v for k, v in (("role", role), ("orgunit", orgunit), ("password_hash", password_hash),
                                     ("active", active)) if v is not None}
        if role is not None:
            _check_role(role)
        with self._transaction("修改用户") as db:
            if not db.query(SELECT_USERS.format(where="name = %(name)s"), {"name": name}):
                raise StoreError(f"用户“{name}”不存在")
            sets = ", ".join(f"{column} = %({column})s" for column in changes)
            db.execute(f"UPDATE web_user SET {sets}{', ' if sets else ''}updated_at = %(at)s WHERE name = %(name)s",
                       {**changes, "name": name, "at": self._now()})
            if active is False or password_hash is not None:  # a changed password ends every session
                db.execute("DELETE FROM web_session WHERE user_name = %(name)s", {"name": name})
        return self.user(name)

    def user(self, name: str) -> dict | None:
        rows = _users(self._db, "name = %(name)s", {"name": name})
        return rows[0] if rows else None

    def users(self) -> list[dict]:
        return _users(self._db, "1 = 1", {})

    # sessions ------------------------------------------------------------------
    def add_session(self, id_hash: str, user: str, csrf: str, expires_at: datetime) -> None:
        with self._transaction("登录") as db:
            db.execute(INSERT_SESSION, {"id_hash": id_hash, "user": user, "csrf": csrf, "at": self._now(),
                                        "expires_at": expires_at})

    def session(self, id_hash: str) -> dict | None:
        """The unexpired session with this id hash (user_name, csrf, created_at, expires_at)."""
        rows = self._db.query(SELECT_SESSION, {"id_hash": id_hash, "now": self._now()})
        if not rows:
            return None
        return dict(zip(("id_hash", "user_name", "csrf", "created_at", "expires_at"), rows[0]))

    def delete_session(self, id_hash: str) -> None:
        with self._transaction("退出登录") as db:
            db.execute(DELETE_SESSION, {"id_hash": id_hash})

    def delete_expired_sessions(self) -> None:
        with self._transaction("清理过期会话") as db:
            db.execute("DELETE FROM web_session WHERE expires_at <= %(now)s", {"now": self._now()})

    # API tokens ------------------------------------------------------------------
    def add_token(self, token_hash: str, user: str, label: str = "") -> None:
        with self._transaction("生成令牌") as db:
            if not db.query(SELECT_USERS.format(where="name = %(name)s"), {"name": user}):
                raise StoreError(f"用户“{user}”不存在")
            db.execute(INSERT_TOKEN, {"token_hash": token_hash, "user": user, "label": label, "at": self._now()})

    def token_user(self, token_hash: str) -> str | None:
        rows = self._db.query(SELECT_TOKEN, {"token_hash": token_hash})
        return rows[0][0] if rows else None

    def delete_tokens(self, user: str) -> int:
        with self._transaction("吊销令牌") as db:
            count = int(db.query("SELECT count(*) FROM web_token WHERE user_name = %(user)s", {"user": user})[0][0])
            db.execute("DELETE FROM web_token WHERE user_name = %(user)s", {"user": user})
        return count

    # application audit trail -----------------------------------------------------------
    def log_event(self, user: str, action: str, *, orgunit: str | None = None, period: str | None = None,
                  detail: str | None = None, address: str | None = None, at: datetime | None = None) -> None:
        with self._transaction("记录操作") as db:
            db.execute(INSERT_EVENT, {"at": self._now(at), "user": user, "action": action, "orgunit": orgunit,
                                      "period": period, "detail": detail, "address": address})

    def events(self, user: str | None = None, action: str | None = None) -> list[dict]:
        where, params = ["1 = 1"], {}
        if user is not None:
            where.append("user_name = %(user)s")
            params["user"] = user
        if action is not None:
            where.append("action = %(action)s")
            params["action"] = action
        rows = self._db.query(SELECT_EVENTS.format(where=" AND ".join(where)), params)
        return [dict(zip(EVENT_COLUMNS, row)) for row in rows]


def _users(db: Db, where: str, params: dict) -> list[dict]:
    rows = db.query(SELECT_USERS.format(where=where), params)
    return [{**dict(zip(USER_COLUMNS, row)), "active": bool(row[4])} for row in rows]


def _check_role(role: str) -> None:
    if role not in USER_ROLES:
        raise StoreError(f"未知的角色“{role}”：应为 {'、'.join(USER_ROLES)}")
