"""Web users for the CLI and for ``serve``: add, reset, list, tokens, the demo users.

Passwords are hashed here (argon2) before they reach the store; tokens and
session ids are stored as SHA-256 hashes.
"""
from __future__ import annotations

from weijian.errors import NotFoundError, WeijianError
from weijian.storage import USER_ROLES
from weijian.web.auth import digest, hash_password, new_password, new_secret
from weijian.workspace import Workspace

DEMO_MANIFEST = "demo_manifest.yaml"
MIN_PASSWORD = 8


def add_user(ws: Workspace, name: str, role: str, ou: str, password: str | None, *, by: str) -> dict:
    """A new user; ``password`` None makes an API-only user (tokens, no login)."""
    if role not in USER_ROLES:
        raise WeijianError(f"角色应为 {'、'.join(USER_ROLES)} 之一，而不是“{role}”")
    if ou not in ws.package.orgunits:
        raise NotFoundError(f"机构编码“{ou}”不存在")
    if password is not None and len(password) < MIN_PASSWORD:
        raise WeijianError(f"密码至少 {MIN_PASSWORD} 个字符")
    return ws.store.add_user(name, role, ou, hash_password(password) if password else None, by=by)


def set_password(ws: Workspace, name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise WeijianError(f"密码至少 {MIN_PASSWORD} 个字符")
    ws.store.update_user(name, password_hash=hash_password(password))


def new_token(ws: Workspace, name: str, label: str = "") -> str:
    """A new API token for ``name``, shown once (only its hash is kept)."""
    if ws.store.user(name) is None:
        raise NotFoundError(f"用户“{name}”不存在")
    token = new_secret()
    ws.store.add_token(digest(token), name, label)
    return token


def demo_users(ws: Workspace) -> list[dict]:
    """In a demo workspace without users: one user per role, with random passwords
    (returned once, to be printed at start-up). Otherwise nothing."""
    if not (ws.folder / DEMO_MANIFEST).exists() or ws.store.users():
        return []
    root = ws.package.root().code
    townships = [c.code for c in ws.package.children(root) if ws.package.children(c.code)]
    township = next((c for c in townships if c.endswith("_GX")), townships[0] if townships else root)
    made = []
    for name, role, ou in (("guanli", "管理员", root), ("shenhe", "审核员", root), ("luru", "录入员", township),
                           ("zhidu", "只读", root)):
        password = new_password()
        add_user(ws, name, role, ou, password, by="serve")
        made.append({"name": name, "role": role, "ou": ou, "ou_name": ws.package.orgunits[ou].name,
                     "password": password})
    return made
