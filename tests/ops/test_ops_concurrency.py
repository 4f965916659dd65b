"""Concurrency: 24 API clients save through a real ``weijian serve`` (half on one
cell, half on cells of their own) while ``weijian import`` runs from the command
line: no accepted write lost or doubled, no deadlock, and on DuckDB (one process
per file) the import is told in Chinese to try again later."""
from __future__ import annotations

import subprocess
import threading
import time

from ops_helpers import ENV, WEIJIAN, Server, api_users, assert_consistent, init_workspace, request, write_csv

from weijian.workspace import Workspace

SAME = "YL_YL_C01"
OWN = ("YL_YL_C02", "YL_GX_C01", "YL_GX_C02", "YL_LSJ_C01", "YL_LSJ_C02", "YL_YL_C03",
       "YL_GX_C03", "YL_LSJ_C03", "YL_YL_C04", "YL_GX_C04", "YL_LSJ_C04", "YL_YL_C05")
CLIENTS = 24
SAVES = 5


def test_concurrent_saves_and_a_cli_import(store_url, demo_workspace, tmp_path):
    folder = tmp_path / "县"
    init_workspace(folder, store_url, demo_workspace / "metadata").close()
    units = [SAME] * (CLIENTS - len(OWN)) + list(OWN)
    tokens = api_users(folder, {f"c{i}": ("录入员", unit) for i, unit in enumerate(units)})
    csv_rows = [["dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value"]]
    csv_rows += [["HEALTH_RECORDS", "202610", unit, "", "", str(100 + i)] for i, unit in enumerate(OWN)]
    import_file = write_csv(tmp_path / "十月.csv", csv_rows)
    accepted: list[tuple[str, int]] = []
    refused: list[dict] = []
    lock = threading.Lock()
    with Server(folder, tmp_path / "serve.log") as server:
        def client(i: int) -> None:
            for n in range(SAVES):
                value = i * 1000 + n + 1  # unique: every accepted save leaves exactly one audit row
                body = {"ou": units[i], "period": "202611", "dataset": "BPHS_MONTHLY",
                        "values": [{"element": "HEALTH_RECORDS", "value": str(value)}]}
                status, answer = request(server.url + "/api/entry", tokens[f"c{i}"], body, timeout=120)
                with lock:
                    (accepted.append((units[i], value)) if status == 200 and answer.get("ok")
                     else refused.append(answer))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        started = time.monotonic()
        for t in threads:
            t.start()
        cli = subprocess.run([WEIJIAN, "import", "-w", str(folder), str(import_file)], capture_output=True,
                             text=True, env=ENV, timeout=300)
        for t in threads:
            t.join(timeout=300)
        assert not any(t.is_alive() for t in threads), "保存请求未在时限内结束（死锁？）"
        elapsed = time.monotonic() - started
    print(f"\n并发测试：{CLIENTS} 个客户端，接受 {len(accepted)} 次保存，拒绝 {len(refused)} 次，用时 {elapsed:.1f} 秒；"
          f"命令行导入退出码 {cli.returncode}")
    assert not refused, refused[:3]
    assert len(accepted) == CLIENTS * SAVES
    if store_url.schema is None:  # DuckDB: the server holds the file
        assert cli.returncode == 2
        assert "请稍后重试" in cli.stderr and "weijian serve" in cli.stderr
        assert "IOException" not in cli.stderr and "Traceback" not in cli.stderr
    else:  # PostgreSQL: the import runs beside the server
        assert cli.returncode == 0, cli.stderr
    with Workspace.open(folder) as ws:
        assert_consistent(ws.store)
        rows = ws.store._db.query("SELECT orgunit, new_value, count(*) FROM audit WHERE period = '202611' "
                                  "GROUP BY orgunit, new_value")
        counted = {(unit, int(value)): n for unit, value, n in rows}
        assert counted == {key: 1 for key in accepted}  # each accepted write exactly once, nothing else
        stored = {v.orgunit: v.value for v in ws.store.read_values(dataelements=["HEALTH_RECORDS"])
                  if v.period == "202611"}
        for unit in OWN:  # a client alone on its cell: its last save stands
            assert stored[unit] == max(value for u, value in accepted if u == unit)
        history = ws.store.audit_history("HEALTH_RECORDS", SAME, "202611")
        assert stored[SAME] == history[-1].new_value and len(history) == SAVES * (CLIENTS - len(OWN))
        imported = [v for v in ws.store.read_values(dataelements=["HEALTH_RECORDS"]) if v.period == "202610"]
        assert len(imported) == (len(OWN) if store_url.schema else 0)
