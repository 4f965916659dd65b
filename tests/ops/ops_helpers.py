"""Helpers of the operations tests: workspaces on either backend, the real CLI and
server as subprocesses, and the audit-trail-matches-values check."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from weijian.model.periods import Period
from weijian.storage import ValueRow
from weijian.storage.base import KEY_COLUMNS
from weijian.workspace import Workspace

WEIJIAN = str(Path(sys.executable).parent / "weijian")
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}


SMALL_UNITS = ("YL_GX_WSY", "YL_GX_JTYC", "YL_GX_HSDC", "YL_MX_WSY", "YL_MX_SJPC", "YL_MX_LJPC")
SMALL_ELEMENTS = ("HEALTH_RECORDS", "HTN_MANAGED", "HTN_STD_MANAGED", "VACC_DOSES")


def small_rows(months=("202401", "202402", "202403"), offset: float = 0.0) -> list[ValueRow]:
    rows = []
    for i, unit in enumerate(SMALL_UNITS):
        for j, element in enumerate(SMALL_ELEMENTS):
            for month in months:
                p = Period.parse(month)
                rows.append(ValueRow(element, month, unit, float(10 * i + j) + offset, p.start, p.end))
    return rows


def drop_pg_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def init_workspace(folder: Path, store_url, metadata: Path | None = None) -> Workspace:
    """A new workspace on the backend of ``store_url`` (the tests' StoreTarget)."""
    if store_url.schema is None:
        return Workspace.init(folder, metadata)
    return Workspace.init(folder, metadata, store=store_url.url, schema=store_url.schema)


def store_option(store_url) -> str | None:
    """``--store`` for ``weijian restore``: None (DuckDB file) or the URL with its schema."""
    if store_url.schema is None:
        return None
    return f"{store_url.url}{'&' if '?' in store_url.url else '?'}schema={store_url.schema}"


_KEYS = ", ".join(KEY_COLUMNS)
_ON = " AND ".join(f"d.{c} = l.{c}" for c in KEY_COLUMNS)
CONSISTENCY = f"""
WITH latest AS (
    SELECT {_KEYS}, new_value, action,
           row_number() OVER (PARTITION BY {_KEYS} ORDER BY id DESC) AS rn
    FROM audit)
SELECT
  (SELECT count(*) FROM datavalue d LEFT JOIN latest l ON {_ON} AND l.rn = 1
    WHERE l.action IS NULL OR l.action = 'delete' OR l.new_value IS DISTINCT FROM d.value),
  (SELECT count(*) FROM latest l WHERE l.rn = 1 AND l.action <> 'delete'
    AND NOT EXISTS (SELECT 1 FROM datavalue d WHERE {_ON})),
  (SELECT count(*) FROM datavalue),
  (SELECT count(*) FROM audit)
"""


def consistency(store) -> dict:
    """Does the audit trail match the values? Every stored value's latest audit row
    carries that value (not a delete); every key whose latest audit row is not a
    delete has a stored value. Both mismatch counts must be 0."""
    values_unmatched, audit_unmatched, values, audit = store._db.query(CONSISTENCY)[0]
    return {"values_unmatched": int(values_unmatched), "audit_unmatched": int(audit_unmatched),
            "values": int(values), "audit": int(audit)}


def assert_consistent(store) -> dict:
    found = consistency(store)
    assert found["values_unmatched"] == 0 and found["audit_unmatched"] == 0, found
    return found


def run(*args, timeout: float = 300, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([WEIJIAN, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=ENV, input=input)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the child we started (by its pid) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


class Server:
    """``weijian serve`` on a free port, as a child process."""

    def __init__(self, folder: Path, log: Path, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen([WEIJIAN, "serve", "-w", str(folder), "--port", str(self.port)],
                                        stdout=self._out, stderr=subprocess.STDOUT, env={**ENV, **(env or {})})

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"服务启动失败：{self.log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"服务 {timeout} 秒内未就绪：{self.log.read_text(errors='replace')}")

    def stop(self, hard: bool = False) -> None:
        if hard:
            kill(self.process)
        elif self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill(self.process)
        self._out.close()

    def __enter__(self) -> Server:
        self.wait_ready()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def request(url: str, token: str, body: dict | None = None, timeout: float = 60) -> tuple[int, dict]:
    """(status, JSON) of a GET, or a POST of ``body``, with an API token."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {"error": text.decode(errors="replace")}


def api_users(folder: Path, users: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Token-only users {name: (role, org unit)} → {name: API token}."""
    from weijian.web.users import add_user, new_token

    tokens = {}
    with Workspace.open(folder) as ws:
        for name, (role, ou) in users.items():
            add_user(ws, name, role, ou, None, by="test")
            tokens[name] = new_token(ws, name, "ops")
    return tokens


def demo_rows(demo: Path, rows: int) -> list[list[str]]:
    """The first ``rows`` data rows of the demo county's monthly CSV files (header first)."""
    out: list[list[str]] = []
    for path in sorted((demo / "演示数据").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            if not out:
                out.append(header)
            for row in reader:
                out.append(row)
                if len(out) > rows:
                    return out
    return out


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def copy_workspace(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
