"""Judgement over one figure: the content-selection stage of the narrative layer.

Nothing here renders text. ``judge`` takes plain numbers (this period, last
year, their numerators and denominators, the target) and the indicator's
metadata, and says what a section chief would think of the figure:

* **movement** — up / down / flat against last year (flat when the change is
  under ``FLAT``: 0.5 个百分点 for percents, 1% of last year for counts);
* **better / worse** — the movement read through the indicator's direction;
* **meaningful** — a change counts only when it amounts to at least
  ``min_count`` events (people, cases, units; default ``MIN_EVENTS``) at
  this period's denominator: one clinic of 31 going offline is noise, not
  "下降3.23个百分点";
* **target** — met / missed for a threshold target;
* **progress** — an annual task measured against its own seasonal profile
  (the share of last year's total done by this month), not linear time:
  flu vaccination in June is judged against last June, not 50%;
* **owned** — indicators another department answers for (metadata ``owner``)
  are context: stated, never praised or blamed;
* **weight** — the indicator's 考核 priority, for ranking 存在问题.

``tone`` folds these into what the wording stage needs: good, steady, bad or
neutral (context, noise, or nothing to compare).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from weijian.analytics.rounding import round_half_up

MIN_EVENTS = 10
# below these a movement is "基本持平"
FLAT = {"percent": Decimal("0.5"), "permille": Decimal("0.5"), "ratio": Decimal(1)}
FLAT_RELATIVE = Decimal(1)  # % of last year's value, for counts, per-10万 rates and averages
SCHEDULE_SLACK = Decimal(5)  # points behind the seasonal expectation before a task is late
FACTORS = {"percent": Decimal(100), "permille": Decimal(1000), "per_100k": Decimal(100000),
           "ratio": Decimal(100), "plain": Decimal(1), None: Decimal(1)}


@dataclass(frozen=True)
class Judgement:
    code: str
    movement: str | None = None  # "up" / "down" / "flat"; None without last year
    better: bool | None = None  # the movement read through the direction; None when flat or unknown
    meaningful: bool = False  # the change is large enough in events to be more than noise
    target: str | None = None  # "met" / "missed" / "near" (missed by less than one event: noise)
    progress: str | None = None  # "ahead" / "on_track" / "behind" (annual tasks, seasonal)
    expected: Decimal | None = None  # % of the annual task a normal year has done by now
    owned: bool = True
    weight: Decimal = Decimal(1)
    sign: int = 0  # the printed change's sign, kept when the movement is "flat"

    @property
    def tone(self) -> str:
        """good / steady / bad / neutral: what the lead may say."""
        if not self.owned or self.target == "near":
            return "neutral"
        if self.target == "missed" or self.progress == "behind":
            return "bad"
        if self.movement is None or (self.movement != "flat" and not self.meaningful):
            return "steady" if self.target == "met" or self.progress in ("ahead", "on_track") else "neutral"
        if self.movement == "flat":
            return "steady"
        return "good" if self.better else "bad"

    @property
    def praiseworthy(self) -> bool:
        return self.tone in ("good", "steady")

    @property
    def declined(self) -> bool:
        """Worse than last year, and by enough events to mean it."""
        return self.owned and self.meaningful and self.movement not in (None, "flat") and self.better is False


def movement_of(value: Decimal, previous: Decimal, kind: str | None, decimals: int = 2) -> str:
    """up / down / flat, comparing the values as printed."""
    change = round_half_up(value, decimals) - round_half_up(previous, decimals)
    if kind in FLAT:
        small = abs(change) < FLAT[kind]
    elif previous:
        small = abs(change) * 100 / abs(previous) < FLAT_RELATIVE
    else:
        small = change == 0
    if small:
        return "flat"
    return "up" if change > 0 else "down"


def events_changed(value: Decimal, previous: Decimal, kind: str | None, denominator: Decimal | None,
                   per_event: bool = True) -> Decimal | None:
    """How many events (people, cases, units) the change amounts to at this
    period's denominator; None when the figure is not a count of events (an
    average such as 次均费用 has no events to count)."""
    factor = FACTORS.get(kind, Decimal(1))
    if kind in (None, "plain"):
        return abs(value - previous) if per_event else None
    if denominator is None:
        return None
    return abs(value - previous) * denominator / factor


def is_meaningful(value: Decimal, previous: Decimal, kind: str | None, denominator: Decimal | None, *,
                  min_count: int | None = None, counts_events: bool = True) -> bool:
    """A change is meaningful when it amounts to at least ``min_count`` events."""
    events = events_changed(value, previous, kind, denominator, counts_events)
    if events is None:
        return True  # averages and the like: no count to be small
    return events >= (MIN_EVENTS if min_count is None else min_count)


def target_status(value: Decimal, target: Decimal, meets: bool, kind: str | None,
                  denominator: Decimal | None) -> str:
    """met / missed / near: a miss by less than one event (4 newborn deaths
    where the target allows 3.6) is within noise, neither praised nor blamed."""
    if meets:
        return "met"
    if kind not in (None, "plain") and denominator is not None:
        if abs(value - target) * denominator / FACTORS.get(kind, Decimal(1)) < 1:
            return "near"
    return "missed"


def seasonal_share(months_done: int, profile: list[Decimal | None] | None) -> Decimal:
    """% of an annual task a normal year has done by the end of month
    ``months_done``: the share of ``profile`` (12 monthly weights, usually last
    year's monthly values) falling in those months; linear time (month/12)
    when there is no usable profile."""
    weights = [w for w in (profile or []) if w is not None]
    if profile is None or len(profile) != 12 or len(weights) != 12 or sum(weights) <= 0:
        return Decimal(months_done * 100) / 12
    return sum(Decimal(w) for w in profile[:months_done]) * 100 / sum(Decimal(w) for w in weights)


def progress_of(completion: Decimal, expected: Decimal, *, year_end: bool = False) -> str:
    """behind / on_track / ahead of the seasonal expectation (at year end, the
    task itself: anything under 100% is 未完成)."""
    if year_end:
        return "ahead" if completion >= 100 else "behind"
    if completion < expected - SCHEDULE_SLACK:
        return "behind"
    return "ahead" if completion >= expected + SCHEDULE_SLACK else "on_track"


def judge(code: str, *, value: Decimal | None, previous: Decimal | None = None, kind: str | None = None,
          decimals: int = 2, lower_better: bool = False, denominator: Decimal | None = None,
          counts_events: bool = True, meets_target: bool | None = None, target: Decimal | None = None,
          completion: Decimal | None = None,
          expected: Decimal | None = None, year_end: bool = False, owner: str | None = None,
          weight: Decimal = Decimal(1), min_count: int | None = None) -> Judgement:
    """The judgement of one figure (see the module's docstring for the rules)."""
    movement = better = None
    meaningful = False
    sign = 0
    if value is not None and previous is not None:
        movement = movement_of(value, previous, kind, decimals)
        delta = round_half_up(value, decimals) - round_half_up(previous, decimals)
        sign = (delta > 0) - (delta < 0)
        if movement != "flat":
            better = (movement == "down") if lower_better else (movement == "up")
        meaningful = is_meaningful(value, previous, kind, denominator, min_count=min_count,
                                   counts_events=counts_events)
    status = None
    if meets_target is not None:
        status = ("met" if meets_target else "missed") if target is None or value is None else \
            target_status(value, target, meets_target, kind, denominator)
    progress = None
    if completion is not None:
        expected = Decimal(100) if year_end else (expected if expected is not None else Decimal(50))
        progress = progress_of(completion, expected, year_end=year_end)
    return Judgement(code, movement, better, meaningful, status, progress, expected, owner is None,
                     Decimal(weight), sign)
