"""Figures on the pages keep the indicator's decimals, as the summary prints them."""
from __future__ import annotations

import re

from weijian.web.render import fixed


def test_fixed_keeps_trailing_zeros_and_signs_changes():
    assert fixed(69.5, 2) == "69.50"
    assert fixed(12345, 0) == "12345"
    assert fixed(-0.2, 2, signed=True) == "-0.20"
    assert fixed(0.66, 2, signed=True) == "+0.66"
    assert fixed(0.001, 2, signed=True) == "0.00"  # rounds to nothing: no sign
    assert fixed(None) == ""


def test_dashboard_prints_each_figure_with_its_decimals(web):
    client = web.client("admin")
    data = client.get("/api/dashboard").json()
    page = client.get("/dashboard").text
    for h in data["headline"]:
        if h["value"] is not None:
            assert f"{h['value']:.{h['decimals']}f}{h['unit']}" in page, h["name"]
    for r in data["ranking"]:
        if r["value"] is not None:
            assert f"{r['value']:.{r['decimals']}f}{r['unit']}" in page, r["ou_name"]
    # no 同比 printed with a dropped zero, like "-0.2个百分点"
    assert not re.search(r"[+-]\d+\.\d个百分点", page)
