"""The bureau's own work, from the ledger (工作台账), as sentences of a summary.

``WorkWriter`` turns the entries finished in the report's period (the
ledger's counting rule: an entry counts in the period containing its end
date) into the 一是…二是… points of each section: one point per kind of work
(培训, 督导检查, 宣传 …), naming the activities and stating their summed
counts — "举办全县基本公共卫生服务项目培训等培训3项，共5批次，培训410人次".
Documents issued, projects' progress and honours get sentences of their own.
Every count is a Fact whose inputs are the entries it was summed from.
"""
from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from weijian.ledger import KINDS, LedgerEntry, period_bounds
from weijian.reports.facts import MISSING, FactBook
from weijian.reports.numbers import format_date, format_wan_yi

VERBS = {"培训": "举办", "督导检查": "开展", "执法": "开展", "宣传": "开展", "义诊": "组织开展", "会议": "召开",
         "专项行动": "开展", "应急演练": "组织开展", "考核评审": "组织开展", "其他": "完成"}
NOUNS = {"培训": "培训", "督导检查": "督导检查", "执法": "执法检查", "宣传": "宣传活动", "义诊": "义诊活动",
         "会议": "会议", "专项行动": "专项行动", "应急演练": "应急演练", "考核评审": "考核评审", "其他": "工作"}
# Units that count sessions (期, 批次, 场次, 次): said right after the activity,
# and only when every entry counts in the same one (never "2批次3场次").
SESSIONS = ("期", "批次", "场次", "次")
PHRASES = {
    "人次": {"培训": "培训{n}人次", "督导检查": "出动{n}人次", "执法": "出动执法人员{n}人次", "专项行动": "出动{n}人次",
            "宣传": "受益群众{n}人次", "义诊": "服务群众{n}人次", "会议": "参会{n}人次", "应急演练": "参演{n}人次",
            None: "{n}人次"},
    "人": {"义诊": "筛查{n}人", "培训": "培训{n}人", "其他": "涉及{n}人", None: "涉及{n}人"},
    "家": {"考核评审": "评审{n}家", None: "检查{n}家"},
    "份": {"督导检查": "下达卫生监督意见书{n}份", "执法": "下达卫生监督意见书{n}份", None: "发放宣传资料{n}份"},
    "户": {None: "覆盖{n}户"},
    "户次": {None: "入户核查{n}户次"},
    "起": {None: "查处案件{n}起"},
    "件": {None: "办理{n}件"},
    "元": {None: "罚没款{n}元"},
    "万元": {None: "发放资金{n}万元"},
    "发现问题": {None: "发现问题{n}个"},
    "已整改": {None: "已整改{n}个"},
}
# What a count of people means, read from the work's title (招聘55人, not 涉及55人).
TITLE_PHRASES = {"人": (("招聘", "招录{n}人"), ("筛查", "筛查{n}人"), ("复核", "复核{n}人"), ("扶助", "惠及{n}人")),
                 "家": (("绩效考核", "覆盖{n}家医院"), ("卫生乡镇", "涉及{n}个乡镇"), ("评审", "涉及{n}家"))}
# The size of a piece of work, for naming the largest first: people reached, then places.
SIZE_UNITS = ("人次", "人", "户次", "户", "家", "份")
LEVEL_ORDER = {"国家级": 0, "省级": 1, "市级": 2, "县级": 3}


class WorkWriter:
    def __init__(self, ledger, period, orgunits: list[str], book: FactBook, ou: str, ou_name: str,
                 local: set[str] | frozenset[str] = frozenset()):
        self.ledger = ledger
        self.period = period
        self.orgunits = orgunits
        self.book = book
        self.ou, self.ou_name = ou, ou_name
        # units below the county level (乡镇卫生院): their own work is told after the county's
        self.local = set(local)
        self.start, self.end = period_bounds(period)
        self._summary = None
        self.workspace = "."  # the -w of the printed commands; the draft sets the real folder
        # domain → 【待核实：…】 slots where a contradicted ledger count was left out
        self.flags: dict[str, list[str]] = {}
        # (entry id, unit) of ledger counts the statistics contradict: left out, reported to the office
        self.withheld: set[tuple[int | None, str]] = set()

    def _entries(self) -> list[LedgerEntry]:
        if self._summary is None:
            self._summary = self.ledger.summarize(self.start, self.end, self.orgunits)
        return self._summary.entries

    # -- entries ------------------------------------------------------------------------
    def work(self, domain: str) -> list[str]:
        """One sentence per kind of work done in ``domain`` (in the ledger's
        order of kinds); an empty list when the ledger has none."""
        groups: dict[str, list[LedgerEntry]] = defaultdict(list)
        for entry in self._entries():
            # an entry whose every count the statistics contradict says nothing the draft can sign
            if entry.domain == domain and not (entry.counts and all((entry.id, u) in self.withheld
                                                                    for u, _ in entry.counts)):
                groups[entry.kind].append(entry)
        sentences = [sentence for kind in KINDS if kind in groups
                     for sentence in [self._sentence(domain, kind, groups[kind])] if sentence]
        return sentences + self.flags.get(domain, [])

    def tally(self, unit: str, domain: str | None = None, kind: str | None = None) -> str:
        """One summed count for a template's own sentence: "开展培训{{ tally('批次', kind='培训') }}批次"."""
        entries = [e for e in self._entries() if domain in (None, e.domain) and kind in (None, e.kind)
                   and e.count(unit) is not None]
        if not entries:
            return MISSING
        total = sum((e.count(unit) for e in entries), Decimal(0))
        return self._total(total, unit, f"{domain or '全部'}:{kind or '全部'}", entries)

    def ongoing(self, domain: str | None = None) -> list[str]:
        """Work under way at the period's end (counted when it ends)."""
        if self._summary is None:
            self._entries()
        return [f"{e.title}正在进行中" for e in self._summary.ongoing if domain in (None, e.domain)]

    def _sentence(self, domain: str, kind: str, entries: list[LedgerEntry]) -> str:
        """The county's own (and the largest) work named first, its counts in
        one unit each; the 乡镇卫生院' own work of the same kind summed after it."""
        county = sorted((e for e in entries if e.orgunit not in self.local), key=_size)
        local = [e for e in entries if e.orgunit in self.local]
        # work named for an earlier year (a 2024年秋冬季 campaign ending in January) is told apart, as
        # finished now; other work begun a little before the period simply counts where it ended
        carried = [e for e in county if e.start < self.start and _names_an_earlier_year(e.title, self.start.year)]
        county = [e for e in county if e not in carried]
        clauses = []
        if county:
            clauses.append(self._clause(domain, kind, county, local=False))
        for entry in carried:
            clauses.append(self._clause(domain, kind, [entry], local=False, level="跨年度"))
        if local:
            clauses.append(self._clause(domain, kind, local, local=True))
        return "；".join(c for c in clauses if c)

    def _clause(self, domain: str, kind: str, entries: list[LedgerEntry], local: bool, level: str = "") -> str:
        titles = list(dict.fromkeys(e.title for e in entries))
        noun = NOUNS[kind]
        session_units = {u for e in entries for u, _ in e.counts if u in SESSIONS}
        # one session unit for all, or none said: "共2批次3场次" mixes what a 批次 and a 场次 are
        session = next(iter(session_units)) if len(session_units) == 1 and all(
            e.count(next(iter(session_units))) is not None for e in entries) else None
        key = f"{domain}:{kind}:{level or ('乡镇' if local else '县级')}"
        if local:
            towns = len({e.orgunit for e in entries})
            topics = list(dict.fromkeys(_topic(t) for t in titles))
            head = f"{towns}个乡镇卫生院{VERBS[kind]}{'、'.join(topics[:2])}{'等' if len(topics) > 2 else ''}{noun}"
        elif len(titles) == 1:
            first = entries[0]
            if first.start < self.start and _names_an_earlier_year(first.title, self.start.year):
                # begun in an earlier year, finished in this period: "2025年秋冬季…专项行动于1月结束", its
                # whole counts after it (the campaign's, as the ledger records them)
                head = f"{titles[0]}于{first.end.month}月结束"
            else:
                head = f"{VERBS[kind]}{titles[0]}"
        elif len(titles) == 2:
            head = f"{VERBS[kind]}{titles[0]}和{titles[1]}"  # both named: no 等, no count of two
        else:
            shown = "、".join(titles[:2])
            head = f"{VERBS[kind]}{shown}等{noun}"
            if session is None:
                head += self._count(len(entries), key, entries) + "项"
        if session is not None:
            having = [e for e in entries if e.count(session) is not None]
            sessions = sum((e.count(session) for e in having), Decimal(0))
            # "3个乡镇卫生院举办…，共3场次" says nothing new: one session each goes unsaid
            if not (local and sessions == len({e.orgunit for e in entries})):
                figure = self._total(sessions, session, key, having)
                head += (f"，共{figure}{session}" if len(titles) > 1 or local else f"{figure}{session}")
        pieces = []
        units = {u for e in entries for u, _ in e.counts}
        for unit in [u for u in PHRASES if u in units]:
            having = [e for e in entries if e.count(unit) is not None and (e.id, unit) not in self.withheld]
            if not having or len(having) < len([e for e in entries if e.count(unit) is not None]):
                continue  # a count the statistics contradict is not printed, nor a partial sum of it
            total = sum((e.count(unit) for e in having), Decimal(0))
            figure = self._total(total, unit, key, having)
            phrase = next((p for word, p in TITLE_PHRASES.get(unit, ()) if all(word in t for t in titles)), None)
            pieces.append((phrase or PHRASES[unit].get(kind) or PHRASES[unit][None]).format(n=figure))
        return "，".join([head] + pieces)

    def _total(self, total: Decimal, unit: str, key: str, entries: list[LedgerEntry]) -> str:
        # money in 元 reads in 万元 from 1万 up, as the statistics print it (罚没款11.09万元)
        limit = 10000 if unit == "元" else 100000
        text = format_wan_yi(total, decimals=2) if total >= limit else _plain(total)
        domain = key.split(":")[0]
        return self.book.mark(text, "ledger", code=f"ledger:{key}:{unit}",
                              name=f"工作台账·{key.replace(':', '·')}（{unit}）", ou=self.ou, ou_name=self.ou_name,
                              period=self.period.id, value=total, unit=unit,
                              inputs={f"#{e.id} {e.title}（{format_date(e.end)}）": e.count(unit) for e in entries},
                              query=self._query(domain, key))

    def _query(self, domain: str | None = None, key: str | None = None) -> str:
        """The ledger listing a reader runs to see the entries behind a figure, exactly as printed."""
        parts = ["weijian ledger list", f"-w {self.workspace}", f"--period {self.period.id}", f"--ou {self.ou}"]
        if domain and domain != "全部":
            parts.append(f"--domain {domain}")
        kind = key.split(":")[1] if key and key.count(":") >= 1 else None
        if kind and kind != "全部":
            parts.append(f"--kind {kind}")
        return " ".join(parts)

    def _count(self, n: int, key: str, entries: list[LedgerEntry]) -> str:
        domain = key.split(":")[0]
        return self.book.mark(str(n), "ledger", code=f"ledger:{key}:项", name=f"工作台账·{key.replace(':', '·')}（项数）",
                              ou=self.ou, ou_name=self.ou_name, period=self.period.id, value=Decimal(n), unit="项",
                              inputs={f"#{e.id} {e.title}": 1 for e in entries},
                              query=self._query(domain, key))

    # -- documents, projects, honours ------------------------------------------------------------
    def documents(self, domain: str | None = None, limit: int = 4) -> str:
        """"印发《A》《B》等文件N份" (the first ``limit`` titles), or ""."""
        docs = self.ledger.documents(self.start, self.end, self.orgunits, domain)
        if not docs:
            return ""
        # a title quoting another document nests its marks: 《关于印发〈…方案〉的通知》
        titles = "".join("《" + d.title.replace("《", "〈").replace("》", "〉") + "》" for d in docs[:limit])
        n = self.book.mark(str(len(docs)), "ledger", code=f"ledger:{domain or '全部'}:发文:份",
                           name=f"工作台账·发文{'·' + domain if domain else ''}（份数）", ou=self.ou,
                           ou_name=self.ou_name, period=self.period.id, value=Decimal(len(docs)), unit="份",
                           inputs={f"{d.number}《{d.title}》": 1 for d in docs},
                           query=self._query(domain))
        return f"印发{titles}{'等' if len(docs) > limit else ''}文件{n}份"

    def projects(self) -> list[str]:
        """One sentence per key project, as it stood at the period's end."""
        sentences = []
        for state in self.ledger.projects_as_of(self.end, self.orgunits):
            project, record = state.project, state.progress
            # a project finished before the period is last year's news, not this period's
            if record is None or (state.status in ("投入使用", "竣工") and record.date < self.start):
                continue
            invest = ""
            if project.investment is not None:
                yuan = project.investment * 10000  # 万元 in the ledger; written 1.86亿元 / 9800万元
                invest = "（总投资" + self._project_fact(project, "investment", yuan, "元") + "元）"
            if state.status == "投入使用":
                tail = f"已于{record.date.year}年{record.date.month}月投入使用"
            elif state.status == "竣工":
                tail = "已竣工"
            else:
                percent = self._project_fact(project, "percent", record.percent, "%")
                milestone = f"，目前{record.milestone}" if record.milestone else ""
                tail = f"已完成总工程量的{percent}%{milestone}"
            sentences.append(f"{project.name}{invest}{tail}")
        return sentences

    def _project_fact(self, project, what: str, value: Decimal, unit: str) -> str:
        text = format_wan_yi(value, decimals=2) if unit == "元" else _plain(value)
        return self.book.mark(text, "ledger", code=f"ledger:project:{project.id}:{what}",
                              name=f"{project.name}（{'总投资' if what == 'investment' else '工程进度'}）",
                              ou=project.orgunit, period=self.period.id, value=value, unit=unit,
                              inputs={f"项目 #{project.id} {project.name}": value},
                              query=self._query())

    def honours(self) -> str:
        """"荣获A（省级）、B（市级）" in order of level, or ""."""
        found = sorted(self.ledger.honours(self.start, self.end, self.orgunits),
                       key=lambda h: (LEVEL_ORDER.get(h.level, 9), h.date))
        if not found:
            return ""
        return "荣获" + "、".join(f"“{h.what}”" + (f"（{h.awarded_by}授予）" if h.awarded_by else "") for h in found)


def _names_an_earlier_year(title: str, year: int) -> bool:
    return any(int(y) < year for y in re.findall(r"(\d{4})年", title))


def _size(entry: LedgerEntry) -> tuple:
    """Sort key: the largest piece of work first (people reached, then places)."""
    return tuple(-(entry.count(u) or 0) for u in SIZE_UNITS) + (entry.start, entry.title)


def _topic(title: str) -> str:
    """"北溶乡卫生院院感防控知识培训" → "院感防控知识": what a 乡镇's own activity was about."""
    for marker in ("卫生院", "中心卫生院"):
        if marker in title:
            title = title.split(marker, 1)[1]
    for noun in ("培训", "督导检查", "宣传活动", "宣传", "义诊"):
        if title.endswith(noun):
            return title[: -len(noun)]
    return title


def _plain(value: Decimal) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
