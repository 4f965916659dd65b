"""Web load benchmark: concurrent clients saving data-entry cells and loading the dashboard.

    .venv/bin/python bench/web_load.py                 # builds the demo county (DuckDB) in a temp folder
    .venv/bin/python bench/web_load.py -w 演示县副本 --clients 50 --duration 60

Starts the real app under uvicorn on 127.0.0.1 (a free port) in a child process,
logs in ``--clients`` 录入员 — one per 村卫生室, as at the start of a month — and
runs each as a person would: save a cell of the month being entered, now and
then open the county dashboard (as a county 只读 user), with a think time between actions
(``--think`` seconds on average, exponential; 0 = as fast as possible). Reports
p50/p95/p99 latency and errors per action, then counts the stored values: every
acknowledged save must be there (zero lost writes). Writes
bench/results/web_load.json. Traffic goes to the loopback address only, and
the run stops by itself after ``--duration`` seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results" / "web_load.json"
PASSWORD = "bench-password-1"
COUNTY_USER = "bench_county"
ELEMENTS = ("HTN_MANAGED", "HTN_STD_MANAGED", "HTN_CONTROLLED", "HTN_FOLLOWUPS", "DM_MANAGED", "DM_STD_MANAGED",
            "DM_CONTROLLED", "DM_FOLLOWUPS", "FD_SIGNED", "FD_KEY_SIGNED", "VILLAGE_VISITS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(folder: Path | None, clients: int) -> tuple[Path, list[tuple[str, str]]]:
    """A copy of the demo county with one 录入员 per village clinic, [(user, clinic)], and a
    county 只读 user ``COUNTY_USER`` whose sessions open the county dashboard."""
    from weijian.web.users import add_user
    from weijian.workspace import Workspace

    work = Path(tempfile.mkdtemp(prefix="weijian-web-load-")) / "演示县"
    if folder is None:
        from weijian.demo import build_demo

        print("正在生成演示县……", file=sys.stderr)
        build_demo(work).close()
    else:
        shutil.copytree(folder, work)
    users = []
    with Workspace.open(work) as ws:
        clinics = [u.code for u in ws.package.orgunits.values() if u.type == "村卫生室"]
        step = max(len(clinics) // clients, 1)
        for i, clinic in enumerate(clinics[::step][:clients]):
            name = f"bench{i:03d}"
            if ws.store.user(name) is None:
                add_user(ws, name, "录入员", clinic, PASSWORD, by="bench")
            users.append((name, clinic))
        if ws.store.user(COUNTY_USER) is None:
            add_user(ws, COUNTY_USER, "只读", ws.package.root().code, PASSWORD, by="bench")
    return work, users


def start_server(folder: Path):
    """``weijian serve`` in its own process (the clients here must not share its interpreter lock)."""
    port = _free_port()
    code = ("import sys, uvicorn; from weijian.web import Settings, create_app; "
            "uvicorn.run(create_app(sys.argv[1], Settings()), host='127.0.0.1', port=int(sys.argv[2]), "
            "log_level='error', timeout_keep_alive=30)")  # as weijian serve
    process = subprocess.Popen([sys.executable, "-c", code, str(folder), str(port)])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("服务没有启动")


async def client_loop(base: str, user: str, clinic: str, month: str, county: str, args, window: dict,
                      timings: dict, saved: dict, rng: random.Random) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http, \
            httpx.AsyncClient(base_url=base, timeout=60) as viewer:
        for client, name in ((http, user), (viewer, COUNTY_USER)):
            started = time.perf_counter()
            response = await client.post("/login", data={"name": name, "password": PASSWORD})
            timings["login"].append(time.perf_counter() - started)
            if response.status_code != 303:
                timings["login_errors"].append(response.status_code)
        # logging in (argon2, on purpose slow) is not what is measured: start together afterwards
        await window["barrier"].wait()
        if timings["login_errors"]:
            return
        stop = window["stop"]
        dashboard = f"/api/dashboard?ou={county}&indicator=HTN_STD_RATE"
        if args.dashboard_period:
            dashboard += f"&period={args.dashboard_period}"
        csrf = (await http.get("/api/me")).json()["csrf"]
        headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        n = 0
        while time.monotonic() < stop:
            if args.think:
                await asyncio.sleep(rng.expovariate(1 / args.think))
            if time.monotonic() >= stop:
                break
            if rng.random() < args.dashboard_share:
                started = time.perf_counter()
                try:
                    response = await viewer.get(dashboard)
                except httpx.TransportError as error:
                    timings["dashboard_errors"].append(type(error).__name__)
                    continue
                timings["dashboard"].append(time.perf_counter() - started)
                if response.status_code != 200:
                    timings["dashboard_errors"].append(response.status_code)
                continue
            element = ELEMENTS[n % len(ELEMENTS)]
            n += 1
            value = str(rng.randint(0, 500))
            started = time.perf_counter()
            try:
                response = await http.post("/entry/cell", headers=headers, data={
                    "ou": clinic, "period": month, "element": element, f"v:{element}:": value})
            except httpx.TransportError as error:  # not acknowledged: not counted as saved either
                timings["save_errors"].append(type(error).__name__)
                continue
            timings["save"].append(time.perf_counter() - started)
            if response.status_code == 200 and "已保存" in response.text:
                saved[(clinic, element)] = float(value)
            else:
                timings["save_errors"].append(response.status_code)


def summarise(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)
    return {"count": len(values), "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1] * 1000, 1), "mean_ms": round(statistics.mean(values) * 1000, 1)}


async def run(args) -> dict:
    from weijian.workspace import Workspace

    folder, users = prepare(args.workspace, args.clients)
    with Workspace.open(folder) as ws:
        package = ws.package
        values = ws.analytics.values
        latest = values.filter(values.start_month == values.end_month).end_month.max().execute()
        before = ws.store.count_values()
    month = f"{(latest + 1) // 12}{(latest + 1) % 12 + 1:02d}"  # the month after the last with data
    process, base = start_server(folder)
    try:
        timings = {k: [] for k in ("login", "save", "dashboard", "save_errors", "dashboard_errors", "login_errors")}
        saved: dict = {}
        window = {"barrier": asyncio.Barrier(len(users) + 1)}
        rng = random.Random(args.seed)
        clients = asyncio.gather(*(
            client_loop(base, user, clinic, month, package.root().code, args, window, timings, saved,
                        random.Random(rng.random())) for user, clinic in users))
        window["stop"] = time.monotonic() + args.duration
        await window["barrier"].wait()  # everyone has logged in
        window["stop"] = time.monotonic() + args.duration
        await clients
    finally:
        process.terminate()
        process.wait(timeout=60)
    with Workspace.open(folder) as ws:  # the server has gone: count what it stored
        after = ws.store.count_values()
        stored = {(v.orgunit, v.dataelement): v.value
                  for v in ws.store.read_values([c for _, c in users], dataelements=list(ELEMENTS))
                  if v.period == month}
    lost = [key for key, value in saved.items() if stored.get(key) != value]
    return {
        "clients": len(users), "duration_s": args.duration, "think_s": args.think,
        "dashboard_share": args.dashboard_share, "dashboard_period": args.dashboard_period or "default",
        "month_entered": month, "backend": "duckdb",
        "login": summarise(timings["login"]), "save": summarise(timings["save"]),
        "dashboard": summarise(timings["dashboard"]),
        "errors": {"save": len(timings["save_errors"]), "dashboard": len(timings["dashboard_errors"]),
                   "login": len(timings["login_errors"])},
        "values_before": before, "values_after": after, "cells_saved": len(saved),
        "new_values": after - before, "lost_writes": len(lost),
        "goal": {"save_p99_ms": 200, "dashboard_p99_ms": 500},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-w", "--workspace", type=Path, help="demo county to copy (default: build one)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between actions (s)")
    parser.add_argument("--dashboard-share", type=float, default=0.2, help="share of actions that open the dashboard")
    parser.add_argument("--dashboard-period", default=None,
                        help="period of the county dashboard (default: the page's own, to the latest month with data); "
                             "one that includes the month being entered is recomputed after every save")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    result["command"] = " ".join(["bench/web_load.py", *sys.argv[1:]])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(args.output.read_text()) if args.output.exists() else {}
    runs = previous.get("runs", []) if isinstance(previous, dict) else []
    same = ("clients", "think_s", "dashboard_period")
    runs = [r for r in runs if tuple(r.get(k) for k in same) != tuple(result.get(k) for k in same)] + [result]
    args.output.write_text(json.dumps({"runs": runs}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
