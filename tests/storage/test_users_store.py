"""Web users, sessions, API tokens and the application audit trail (migration 004), on every backend."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from weijian.errors import StoreError


def test_users_round_trip(store):
    row = store.add_user("张三", "录入员", "YL_GX", "hash1", by="admin")
    assert row["role"] == "录入员" and row["orgunit"] == "YL_GX" and row["active"] is True
    assert row["created_by"] == "admin"
    with pytest.raises(StoreError, match="已存在"):
        store.add_user("张三", "审核员", "YL", None, by="admin")
    with pytest.raises(StoreError, match="未知的角色"):
        store.add_user("李四", "超级用户", "YL", None, by="admin")
    store.add_user("李四", "只读", "YL", None, by="admin")
    assert [u["name"] for u in store.users()] == sorted(["张三", "李四"])
    changed = store.update_user("张三", role="审核员", orgunit="YL")
    assert (changed["role"], changed["orgunit"], changed["password_hash"]) == ("审核员", "YL", "hash1")
    assert store.user("王五") is None
    with pytest.raises(StoreError, match="不存在"):
        store.update_user("王五", active=False)


def test_sessions_expire_and_end_with_a_new_password(store):
    store.add_user("张三", "录入员", "YL_GX", "hash1", by="admin")
    later = datetime.now() + timedelta(hours=1)
    store.add_session("s1", "张三", "csrf1", later)
    store.add_session("old", "张三", "csrf2", datetime.now() - timedelta(seconds=1))
    assert store.session("s1")["user_name"] == "张三"
    assert store.session("s1")["csrf"] == "csrf1"
    assert store.session("old") is None  # expired
    store.delete_expired_sessions()
    store.update_user("张三", password_hash="hash2")
    assert store.session("s1") is None
    store.add_session("s2", "张三", "c", later)
    store.delete_session("s2")
    assert store.session("s2") is None


def test_tokens(store):
    store.add_user("接口", "只读", "YL", None, by="admin")
    store.add_token("t1", "接口", "统计平台")
    assert store.token_user("t1") == "接口"
    assert store.token_user("t2") is None
    with pytest.raises(StoreError, match="不存在"):
        store.add_token("t3", "nobody")
    assert store.delete_tokens("接口") == 1
    assert store.token_user("t1") is None


def test_application_audit_is_kept_in_order(store):
    store.log_event("张三", "login", address="127.0.0.1")
    store.log_event("张三", "approve", orgunit="YL_GX", period="202405", detail="审核锁定")
    store.log_event("李四", "login")
    events = store.events()
    assert [e["action"] for e in events] == ["login", "approve", "login"]
    assert events[1]["orgunit"] == "YL_GX" and events[1]["period"] == "202405"
    assert [e["user_name"] for e in store.events(action="login")] == ["张三", "李四"]
    assert len(store.events(user="张三")) == 2


def test_one_write_may_carry_several_users_values(store):
    """The web app's group commit: each row names who entered it (audit and storedby)."""
    from weijian.storage import ValueRow

    rows = [ValueRow("VACC", "202401", "YL_A", 1.0, 1, 1, stored_by="张三"),
            ValueRow("VACC", "202401", "YL_B", 2.0, 1, 1, stored_by="李四"),
            ValueRow("VACC", "202401", "YL_C", 3.0, 1, 1)]
    store.write_values(rows, user="网页", source="网页录入")
    assert {(a.orgunit, a.changed_by) for a in store.audit_history()} == {
        ("YL_A", "张三"), ("YL_B", "李四"), ("YL_C", "网页")}
    store.write_values([ValueRow("VACC", "202401", "YL_A", 5.0, 1, 1, stored_by="王五")], user="x", source="s")
    assert {v.orgunit: v.storedby for v in store.read_values()} == {"YL_A": "王五", "YL_B": "李四", "YL_C": "网页"}
    assert store.audit_history(orgunit="YL_A")[-1].changed_by == "王五"
