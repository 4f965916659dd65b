"""The narrative layer's bridge: figures of a draft → judgements → leads.

``Narrative`` judges the template's figures (``judgement.judge`` with the
indicator's metadata, its target and its seasonal profile) and gives the
template two wording functions:

    lead(topic, figure)            "医疗服务总量稳中有升" / "居民健康档案建档" — a point's opening
    claim(positive, plain, *figs)  a section's bold summary: ``positive`` only when its figures bear it out

Leads come from the phrase bank's ``leads`` (by tone and movement), each
variant used in turn so one draft does not repeat itself. A figure that
missed its target, trails its seasonal schedule or belongs to another
department never gets a word of praise.
"""
from __future__ import annotations

from decimal import Decimal

from weijian.model.periods import Period
from weijian.reports.judgement import Judgement, judge, seasonal_share

# Used when the phrase bank has no ``leads`` (a user's old copy).
DEFAULT_LEADS = {
    "good_up": ["稳中有升", "稳步提升", "持续提高", "进一步提升"],
    "good_down": ["有所下降", "持续下降", "进一步降低"],
    "steady": ["总体平稳", "保持稳定", "基本持平"],
    "steady_down": ["基本持平"],
    "bad_up": ["有所上升", "略有上升"],
    "bad_down": ["有所下降", "略有下降", "有所回落"],
}


class Narrative:
    def __init__(self, context, leads: dict | None = None):
        self.context = context
        self.leads = {k: list(v) for k, v in (leads or DEFAULT_LEADS).items()}
        self._turn: dict[str, int] = {}
        self._cache: dict[tuple[str, str, str], Judgement] = {}

    # -- judging ---------------------------------------------------------------------------
    def judge(self, figure) -> Judgement:
        """The judgement of a template's figure (``fact(...)``)."""
        r = figure.result
        key = (r.code, r.ou, r.period)
        if key not in self._cache:
            self._cache[key] = self._judge(r)
        return self._cache[key]

    def judge_code(self, code: str, ou: str | None = None) -> Judgement:
        return self.judge(self.context.fact(code, ou))

    def _judge(self, r) -> Judgement:
        package = self.context.package
        indicator = package.indicators.get(r.code)
        element = package.elements.get(r.code.partition(".")[0])
        kind = indicator.kind if indicator else None
        # a count of events (cases, doses) can be small; an average (次均费用) cannot
        counts_events = indicator is None or (indicator.kind != "plain" or indicator.denominator.strip() == "1")
        completion = expected = None
        period = Period.parse(r.period)
        year_end = period.end_month == 12
        if r.target_kind == "annual_task" and r.completion is not None:
            completion = r.completion
            if not year_end:
                expected = self.expected_share(r.code, r.ou, period)
        return judge(
            r.code, value=r.value, previous=r.previous, kind=kind, decimals=r.decimals,
            lower_better=bool(indicator and indicator.direction == "lower_better"),
            denominator=r.denominator if kind not in (None, "plain") else None, counts_events=counts_events,
            meets_target=r.meets_target if r.target_kind == "threshold" else None,
            target=r.target if r.target_kind == "threshold" else None, completion=completion,
            expected=expected, year_end=year_end, owner=indicator.owner if indicator else None,
            weight=indicator.weight if indicator else Decimal(1),
            min_count=indicator.min_count if indicator else None)

    def seasonal(self, code: str) -> str | tuple | None:
        package = self.context.package
        found = package.indicators.get(code) or package.elements.get(code.partition(".")[0])
        return getattr(found, "seasonal", None)

    def expected_share(self, code: str, ou: str, period: Period) -> Decimal:
        """% of the annual task a normal year has done by the period's end:
        the metadata's profile, or last year's months (the default)."""
        profile = self.seasonal(code)
        if profile == "flat":
            return seasonal_share(period.end_month, None)
        if isinstance(profile, (list, tuple)):
            return seasonal_share(period.end_month, list(profile))
        last_year = self.context.figures.monthly(code, ou, period.year - 1, 12)
        return seasonal_share(period.end_month, last_year)

    # -- wording ---------------------------------------------------------------------------
    def word(self, judgement: Judgement) -> str | None:
        """The trend word for a lead, or None when the figure earns none."""
        tone = judgement.tone
        if tone == "neutral" or judgement.movement is None:
            return None
        if judgement.target == "missed" or judgement.progress == "behind":
            # a miss is stated plainly, never praised: only a change for the worse gets a word
            return self._next(f"bad_{judgement.movement}") if judgement.better is False else None
        if tone == "steady":
            if judgement.movement != "flat":
                return None
            # a small fall in the wrong direction is 基本持平, never 保持稳定 (which reads as praise)
            slipping = judgement.sign != 0 and (judgement.sign < 0) != self._lower_better(judgement.code)
            return self._next("steady_down" if slipping else "steady")
        return self._next(f"{tone}_{judgement.movement}")

    def _lower_better(self, code: str) -> bool:
        indicator = self.context.package.indicators.get(code)
        return bool(indicator and indicator.direction == "lower_better")

    def _next(self, key: str) -> str | None:
        variants = self.leads.get(key) or DEFAULT_LEADS.get(key)
        if not variants:
            return None
        n = self._turn.get(key, 0)
        self._turn[key] = n + 1
        return variants[n % len(variants)]

    def lead(self, topic: str, figure=None, measure: str | None = None) -> str:
        """A point's opening: ``measure`` (the figure's own name, default the
        topic) with the word its figure earns — "县域内就诊率稳步提升" — or
        the bare ``topic`` ("分级诊疗") when it earns none. ``figure`` may be a
        list: the word then needs all of them to agree."""
        figures = [f for f in (figure if isinstance(figure, (list, tuple)) else [figure]) if f is not None]
        if not figures or not all(f.ok for f in figures):
            return topic
        judged = [self.judge(f) for f in figures]
        # several figures under one lead must agree (次均门诊费用 down, 次均住院费用 up: no word)
        if len({(j.tone, j.movement) for j in judged}) > 1:
            return topic
        word = self.word(judged[0])
        return (measure or topic) + word if word else topic

    def claim(self, positive: str, plain: str, *figures) -> str:
        """``positive`` when no figure is bad and at least half of the judged
        ones are good or steady; ``plain`` (a statement of work, no verdict)
        otherwise."""
        judged = [self.judge(f) for f in figures if f is not None and f.ok]
        tones = [j.tone for j in judged if j.tone != "neutral"]
        if any(t == "bad" for t in tones) or not tones:
            return plain
        return positive if sum(t in ("good", "steady") for t in tones) * 2 >= len(tones) else plain

    def missed(self, figure) -> bool:
        return figure is not None and figure.ok and self.judge(figure).tone == "bad"
