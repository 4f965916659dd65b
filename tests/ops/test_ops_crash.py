"""Crash safety: SIGKILL a real ``weijian import``, ``weijian approve`` and
``weijian serve`` (receiving saves) at seeded random moments, then open the
workspace: a file is in entirely or not at all, the audit trail matches the
values, approvals match their log, every acknowledged save is there, and the
workspace opens without any repair step.

Default: 50 000-row imports and 2 kill points per case; ``pytest -m slow``:
200 000 rows and 6 kill points per case.
"""
from __future__ import annotations

import http.client
import random
import subprocess
import threading
import time
from decimal import Decimal

import pytest
from ops_helpers import (
    ENV, WEIJIAN, Server, api_users, assert_consistent, demo_rows, init_workspace, kill, request, small_rows,
    write_csv,
)

from weijian.workspace import Workspace

SEED = 20260630
VILLAGES = ("YL_YL_C01", "YL_GX_C01", "YL_LSJ_C01")


def _import_attempts(folder, data, attempts, rng, tmp_path) -> list[str]:
    """Attempt 0 runs to the end (its duration T sets the kill window); attempt k ≥ 1
    imports every value + k and is killed after uniform(0.2 T, 1.05 T)."""
    outcomes, duration = [], None
    header, rows = data[0], data[1:]
    column = header.index("value")
    for k in range(attempts + 1):
        shifted = [[*r[:column], str(Decimal(r[column]) + k), *r[column + 1:]] for r in rows]
        path = write_csv(tmp_path / f"第{k}次.csv", [header, *shifted])
        delay = None if duration is None else rng.uniform(0.2 * duration, 1.05 * duration)
        started = time.monotonic()
        process = subprocess.Popen([WEIJIAN, "import", "-w", str(folder), str(path)], env=ENV,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            process.wait(timeout=600 if delay is None else delay)
            assert process.returncode == 0, process.stderr.read().decode()
            outcome = "finished"
        except subprocess.TimeoutExpired:
            kill(process)
            outcome = f"killed at {delay:.1f}s"
        process.stderr.close()
        if duration is None:
            duration = time.monotonic() - started
        with Workspace.open(folder) as ws:  # opens as is: no repair step exists
            found = assert_consistent(ws.store)
            by_source = dict(ws.store._db.query("SELECT source, count(*) FROM audit GROUP BY source"))
            assert set(by_source.values()) == {len(rows)}, by_source  # every file all in or absent
            assert found["values"] == len(rows)
            latest = ws.store._db.query(
                "SELECT DISTINCT source FROM audit a WHERE id = (SELECT max(id) FROM audit b WHERE "
                "a.dataelement = b.dataelement AND a.period = b.period AND a.orgunit = b.orgunit "
                "AND a.categoryoptioncombo = b.categoryoptioncombo AND a.attributeoptioncombo = b.attributeoptioncombo)")
            assert len(latest) == 1  # the values all come from one import
            committed = path.name in by_source
        outcomes.append(f"import {k}: {outcome}, {'in' if committed else 'none in'}")
        if outcome == "finished":
            assert committed
    return outcomes


def _approve_attempts(folder, attempts, rng) -> list[str]:
    outcomes, duration = [], None
    for k in range(attempts + 1):
        period = f"2025{k + 1:02d}"
        delay = None if duration is None else rng.uniform(0.5 * duration, 1.1 * duration)
        started = time.monotonic()
        process = subprocess.Popen([WEIJIAN, "approve", "-w", str(folder), "--ou", "YL_XZ", "--period", period,
                                    "--confirm"],
                                   env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            process.wait(timeout=300 if delay is None else delay)
            assert process.returncode == 0
            outcome = "finished"
        except subprocess.TimeoutExpired:
            kill(process)
            outcome = f"killed at {delay:.1f}s"
        if duration is None:
            duration = time.monotonic() - started
        with Workspace.open(folder) as ws:
            approved = {(a.orgunit, a.period) for a in ws.store.approvals()}
            log = ws.store.approval_log()
            state: dict = {}
            for entry in log:
                assert entry.action == "unapprove" or state.get((entry.orgunit, entry.period)) != "approve"
                state[(entry.orgunit, entry.period)] = entry.action
            assert approved == {key for key, action in state.items() if action == "approve"}
            done = ("YL_XZ", period) in approved
        outcomes.append(f"approve {k}: {outcome}, {'approved' if done else 'not approved'}")
        if outcome == "finished":
            assert done
    return outcomes


def _web_attempts(folder, attempts, rng, tmp_path) -> tuple[list[str], int]:
    """Clients save their own cell over and over; the server is SIGKILLed mid-stream."""
    tokens = api_users(folder, {f"crash{i}": ("录入员", unit) for i, unit in enumerate(VILLAGES)})
    outcomes, acknowledged_total = [], 0
    for k in range(attempts):
        previous = _cells(folder)
        server = Server(folder, tmp_path / f"serve{k}.log")
        server.wait_ready()
        acked: dict[str, list[int]] = {unit: [] for unit in VILLAGES}
        inflight: dict[str, int | None] = {unit: None for unit in VILLAGES}
        stop = threading.Event()

        def client(i: int, unit: str) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                value = (k + 1) * 1_000_000 + i * 10_000 + n
                inflight[unit] = value
                body = {"ou": unit, "period": "202611", "dataset": "BPHS_MONTHLY",
                        "values": [{"element": "HEALTH_RECORDS", "value": str(value)}]}
                try:
                    status, answer = request(server.url + "/api/entry", tokens[f"crash{i}"], body, timeout=30)
                except (OSError, http.client.HTTPException):
                    return  # the server is gone (maybe mid-answer: that save is the one in flight)
                if status != 200 or not answer.get("ok"):
                    raise AssertionError(answer)
                acked[unit].append(value)

        threads = [threading.Thread(target=client, args=(i, unit)) for i, unit in enumerate(VILLAGES)]
        for t in threads:
            t.start()
        delay = rng.uniform(1.0, 3.0)
        time.sleep(delay)
        server.stop(hard=True)
        stop.set()
        for t in threads:
            t.join(timeout=60)
            assert not t.is_alive(), "客户端在服务被终止后仍未结束"
        with Workspace.open(folder) as ws:
            assert_consistent(ws.store)
            for unit in VILLAGES:
                history = [a.new_value for a in ws.store.audit_history("HEALTH_RECORDS", unit, "202611")]
                assert set(acked[unit]) <= set(history)  # every acknowledged save survived
        stored = _cells(folder)
        for unit in VILLAGES:  # the last acknowledged save, or the one in flight when killed
            assert stored[unit] in {acked[unit][-1] if acked[unit] else previous[unit], inflight[unit]}
        saved = sum(len(v) for v in acked.values())
        acknowledged_total += saved
        outcomes.append(f"serve {k}: killed at {delay:.1f}s of saving, {saved} saves acknowledged")
    return outcomes, acknowledged_total


def _cells(folder) -> dict[str, float | None]:
    with Workspace.open(folder) as ws:
        found = {v.orgunit: v.value for v in ws.store.read_values(list(VILLAGES), dataelements=["HEALTH_RECORDS"])
                 if v.period == "202611"}
    return {unit: found.get(unit) for unit in VILLAGES}


def _crash_cases(store_url, demo_workspace, tmp_path, rows: int, kills: int) -> None:
    rng = random.Random(SEED)
    folder = tmp_path / "县"
    init_workspace(folder, store_url, demo_workspace / "metadata").close()
    outcomes = _import_attempts(folder, demo_rows(demo_workspace, rows), kills, rng, tmp_path)
    outcomes += _approve_attempts(folder, kills, rng)
    web, acknowledged = _web_attempts(folder, kills, rng, tmp_path)
    outcomes += web
    print("\n".join(["", f"崩溃测试（{'PostgreSQL' if store_url.schema else 'DuckDB'}）：", *outcomes]))
    assert acknowledged > 0
    with Workspace.open(folder) as ws:  # and it still takes writes (months no approval locks)
        summary = ws.store.write_values(small_rows(("202612",)), user="after", source="崩溃之后")
        assert summary.created == len(small_rows(("202612",)))
        assert_consistent(ws.store)


def test_kill_during_import_approval_and_web_saves(store_url, demo_workspace, tmp_path):
    _crash_cases(store_url, demo_workspace, tmp_path, rows=50_000, kills=2)


@pytest.mark.long
def test_kill_during_import_approval_and_web_saves_long(store_url, demo_workspace, tmp_path):
    _crash_cases(store_url, demo_workspace, tmp_path, rows=200_000, kills=6)
