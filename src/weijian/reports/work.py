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

from collections import defaultdict
from decimal import Decimal

from weijian.ledger import KINDS, LedgerEntry, period_bounds
from weijian.reports.facts import MISSING, FactBook
from weijian.reports.numbers import format_date, format_wan_yi

VERBS = {"培训": "举办", "督导检查": "开展", "执法": "开展", "宣传": "开展", "义诊": "组织开展", "会议": "召开",
         "专项行动": "开展", "应急演练": "组织开展", "考核评审": "组织开展", "其他": "完成"}
NOUNS = {"培训": "培训", "督导检查": "督导检查", "执法": "执法检查", "宣传": "宣传活动", "义诊": "义诊活动",
         "会议": "会议", "专项行动": "专项行动", "应急演练": "应急演练", "考核评审": "考核评审", "其他": "工作"}
# How each unit is said after the activity; {n} is the figure. Units that
# count sessions (期, 批次, 场次, 次) come first, right after the activity.
SESSIONS = ("期", "批次", "场次", "次")
PHRASES = {
    "人次": {"培训": "培训{n}人次", "督导检查": "出动{n}人次", "执法": "出动执法人员{n}人次", "专项行动": "出动{n}人次",
            "宣传": "受益群众{n}人次", "义诊": "服务群众{n}人次", "会议": "参会{n}人次", "应急演练": "参演{n}人次",
            None: "{n}人次"},
    "人": {"义诊": "筛查{n}人", "培训": "培训{n}人", None: "涉及{n}人"},
    "家": {"考核评审": "评审{n}家", None: "检查{n}家"},
    "份": {"督导检查": "下达卫生监督意见书{n}份", "执法": "下达卫生监督意见书{n}份", None: "发放宣传资料{n}份"},
    "户": {None: "覆盖{n}户"},
    "户次": {None: "入户核查{n}户次"},
    "起": {None: "查处案件{n}起"},
    "件": {None: "办理{n}件"},
    "元": {None: "罚没款{n}元"},
    "万元": {None: "发放资金{n}万元"},
}
LEVEL_ORDER = {"国家级": 0, "省级": 1, "市级": 2, "县级": 3}


class WorkWriter:
    def __init__(self, ledger, period, orgunits: list[str], book: FactBook, ou: str, ou_name: str):
        self.ledger = ledger
        self.period = period
        self.orgunits = orgunits
        self.book = book
        self.ou, self.ou_name = ou, ou_name
        self.start, self.end = period_bounds(period)
        self._summary = None

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
            if entry.domain == domain:
                groups[entry.kind].append(entry)
        return [self._sentence(domain, kind, groups[kind]) for kind in KINDS if kind in groups]

    def tally(self, unit: str, domain: str | None = None, kind: str | None = None) -> str:
        """One summed count for a template's own sentence: "开展培训{{ tally('批次', kind='培训') }}批次"."""
        entries = [e for e in self._entries() if domain in (None, e.domain) and kind in (None, e.kind)
                   and e.count(unit) is not None]
        if not entries:
            return MISSING
        total = sum((e.count(unit) for e in entries), Decimal(0))
        return self._total(total, unit, domain or "全部", kind or "全部", entries)

    def ongoing(self, domain: str | None = None) -> list[str]:
        """Work under way at the period's end (counted when it ends)."""
        if self._summary is None:
            self._entries()
        return [f"{e.title}正在进行中" for e in self._summary.ongoing if domain in (None, e.domain)]

    def _sentence(self, domain: str, kind: str, entries: list[LedgerEntry]) -> str:
        titles = list(dict.fromkeys(e.title for e in entries))
        noun = NOUNS[kind]
        if len(titles) == 1:
            head = f"{VERBS[kind]}{titles[0]}"
        else:
            shown = "、".join(titles[:3])
            head = f"{VERBS[kind]}{shown}等{noun}{self._count(len(entries), domain, kind, entries)}项"
        units = {u for e in entries for u, _ in e.counts}
        sessions, pieces = "", []
        for unit in [u for u in SESSIONS if u in units] + [u for u in PHRASES if u in units]:
            having = [e for e in entries if e.count(unit) is not None]
            total = sum((e.count(unit) for e in having), Decimal(0))
            figure = self._total(total, unit, domain, kind, having)
            if unit in SESSIONS:
                sessions += f"{figure}{unit}"  # "3期2场次", right after the activity
            else:
                pieces.append((PHRASES[unit].get(kind) or PHRASES[unit][None]).format(n=figure))
        if sessions:
            head += f"，共{sessions}" if len(titles) > 1 else sessions
        return "，".join([head] + pieces)

    def _total(self, total: Decimal, unit: str, domain: str, kind: str, entries: list[LedgerEntry]) -> str:
        text = format_wan_yi(total, decimals=2) if total >= 100000 else _plain(total)
        return self.book.mark(text, "ledger", code=f"ledger:{domain}:{kind}:{unit}",
                              name=f"工作台账·{domain}·{kind}（{unit}）", ou=self.ou, ou_name=self.ou_name,
                              period=self.period.id, value=total, unit=unit,
                              inputs={f"#{e.id} {e.title}（{format_date(e.end)}）": e.count(unit) for e in entries},
                              query=f"weijian ledger list --period {self.period.id} --domain {domain}")

    def _count(self, n: int, domain: str, kind: str, entries: list[LedgerEntry]) -> str:
        return self.book.mark(str(n), "ledger", code=f"ledger:{domain}:{kind}:项", name=f"工作台账·{domain}·{kind}（项数）",
                              ou=self.ou, ou_name=self.ou_name, period=self.period.id, value=Decimal(n), unit="项",
                              inputs={f"#{e.id} {e.title}": 1 for e in entries},
                              query=f"weijian ledger list --period {self.period.id} --domain {domain}")

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
                           query=f"weijian ledger list --period {self.period.id}")
        return f"印发{titles}{'等' if len(docs) > limit else ''}文件{n}份"

    def projects(self) -> list[str]:
        """One sentence per key project, as it stood at the period's end."""
        sentences = []
        for state in self.ledger.projects_as_of(self.end, self.orgunits):
            project, record = state.project, state.progress
            if record is None:
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
                              query="weijian ledger list --kind project")

    def honours(self) -> str:
        """"荣获A（省级）、B（市级）" in order of level, or ""."""
        found = sorted(self.ledger.honours(self.start, self.end, self.orgunits),
                       key=lambda h: (LEVEL_ORDER.get(h.level, 9), h.date))
        if not found:
            return ""
        return "荣获" + "、".join(f"“{h.what}”" + (f"（{h.awarded_by}授予）" if h.awarded_by else "") for h in found)


def _plain(value: Decimal) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
