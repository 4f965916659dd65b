"""A work ledger (工作台账) for the demo county 沅陵县: what its bureau did.

Every half-year gets, in each domain, the trainings, inspections, campaigns,
free clinics, drills and meetings a county bureau records, with counts in
realistic ranges; 6–10 documents issued (沅卫发〔2026〕N号); five key projects
with monthly progress (some finished and in use, some still being built);
a few honours. Each half-year has its own seeded generator, so a later end
month adds items without changing earlier ones. Two campaigns each year run
across a half-year's end (and one across the new year), so the counting rule
has something to show. Nothing is dated after the end month except the end
of a campaign still under way.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from weijian.ledger import Honour, IssuedDocument, LedgerEntry, LedgerItem, Project, ProgressRecord, period_bounds
from weijian.model import MetadataPackage
from weijian.model.periods import Period

__all__ = ["demo_ledger"]

BUREAU = "YL"  # the bureau's own work is recorded on the county
DEPARTMENTS = {
    "医疗服务": "医政医管股", "公共卫生": "基层卫生股", "疾病防控": "疾病预防控制股", "妇幼": "妇幼健康股",
    "中医药": "中医药股", "监督": "综合监督股", "爱国卫生": "爱卫办", "健康扶贫": "规划发展与信息化股",
    "计生": "人口监测与家庭发展股", "综合": "办公室", "医改": "体制改革股", "卫生应急": "卫生应急办",
    "一老一小": "老龄健康股", "人才": "人事股", "民生实事": "规划发展与信息化股", "党建": "机关党委",
    "安全生产": "办公室",
}
TOWNSHIP = "{town}"  # in a title: one 乡镇卫生院's own activity


@dataclass(frozen=True)
class _Activity:
    domain: str
    kind: str
    title: str
    counts: tuple[tuple[str, int, int], ...]  # (unit, low, high)
    ou: str = BUREAU
    month: int | None = None  # calendar month (None: any month of the half)
    days: int = 1  # how long it runs
    half: int | None = None  # only in the first (1) or second (2) half
    text: str = ""


def _a(domain, kind, title, counts, **options) -> _Activity:
    return _Activity(domain, kind, title, tuple((u, lo, hi) for u, (lo, hi) in counts.items()), **options)


ACTIVITIES = (
    # 医疗服务
    _a("医疗服务", "督导检查", "医疗质量安全专项检查", {"人次": (24, 40), "家": (30, 45)}, days=20),
    _a("医疗服务", "培训", "乡镇卫生院医务人员能力提升培训", {"期": (2, 3), "人次": (160, 260)}, days=3),
    _a("医疗服务", "会议", "全县医疗质量管理委员会会议", {"次": (1, 1), "人次": (40, 60)}),
    _a("医疗服务", "考核评审", "乡镇卫生院“优质服务基层行”评审", {"家": (5, 9)}, half=2, days=10),
    _a("医疗服务", "培训", f"{TOWNSHIP}院感防控知识培训", {"场次": (1, 2), "人次": (20, 45)}, ou=TOWNSHIP),
    # 公共卫生
    _a("公共卫生", "培训", "全县基本公共卫生服务项目培训", {"批次": (2, 3), "人次": (150, 260)}, days=3),
    _a("公共卫生", "督导检查", "基本公共卫生服务项目督导考核", {"人次": (20, 36), "家": (21, 21)}, days=15),
    _a("公共卫生", "宣传", "“世界高血压日”健康宣传活动", {"份": (6000, 15000), "人次": (900, 2000)}, month=5),
    _a("公共卫生", "宣传", "全民健康生活方式宣传月活动", {"份": (5000, 12000), "人次": (800, 1800)}, month=9),
    _a("公共卫生", "义诊", "家庭医生签约服务进村入户义诊", {"场次": (20, 45), "人次": (1500, 3600)}, days=30),
    _a("公共卫生", "培训", f"{TOWNSHIP}家庭医生签约服务培训", {"场次": (1, 1), "人次": (25, 60)}, ou=TOWNSHIP),
    # 疾病防控
    _a("疾病防控", "培训", "传染病防控及突发公共卫生事件报告培训", {"批次": (2, 4), "人次": (180, 320)}, ou="YL_XZ_JKZX",
       days=2),
    _a("疾病防控", "应急演练", "突发急性传染病应急处置演练", {"场次": (1, 2), "人次": (80, 150)}, ou="YL_XZ_JKZX"),
    _a("疾病防控", "宣传", "“世界防治结核病日”宣传活动", {"份": (4000, 9000), "人次": (600, 1500)}, month=3),
    _a("疾病防控", "宣传", "“世界艾滋病日”宣传活动", {"份": (5000, 10000), "人次": (800, 2000)}, month=12),
    _a("疾病防控", "督导检查", "预防接种门诊规范化管理督导", {"人次": (10, 18), "家": (21, 28)}, ou="YL_XZ_JKZX", days=10),
    # 妇幼
    _a("妇幼", "培训", "危重孕产妇和新生儿救治技能培训", {"期": (1, 2), "人次": (60, 120)}, ou="YL_XZ_FYBJY", days=2),
    _a("妇幼", "义诊", "农村妇女“两癌”免费筛查进乡镇", {"场次": (8, 16), "人": (1200, 2600)}, ou="YL_XZ_FYBJY",
       days=45),
    _a("妇幼", "督导检查", "孕产妇和儿童保健工作督导", {"人次": (8, 14), "家": (21, 21)}, days=10),
    _a("妇幼", "宣传", "母乳喂养宣传周活动", {"份": (3000, 6000), "人次": (400, 900)}, month=8),
    # 中医药
    _a("中医药", "培训", "中医药适宜技术推广培训", {"期": (2, 3), "人次": (100, 200)}, ou="YL_XZ_ZYY", days=5),
    _a("中医药", "义诊", "中医药健康文化进乡村义诊", {"场次": (6, 12), "人次": (600, 1400)}, ou="YL_XZ_ZYY", days=20),
    _a("中医药", "宣传", "中医药文化宣传周", {"份": (2000, 5000), "人次": (300, 800)}, ou="YL_XZ_ZYY"),
    # 监督
    _a("监督", "执法", "医疗机构依法执业专项监督检查", {"人次": (80, 120), "家": (45, 90), "份": (15, 40), "起": (2, 6)},
       ou="YL_XZ_WSJD", days=30),
    _a("监督", "督导检查", "公共场所卫生监督检查", {"人次": (40, 70), "家": (60, 120), "份": (10, 30)},
       ou="YL_XZ_WSJD", days=20),
    _a("监督", "督导检查", "学校卫生监督检查", {"人次": (20, 36), "家": (40, 70), "份": (5, 15)}, ou="YL_XZ_WSJD",
       days=15),
    _a("监督", "专项行动", "打击非法行医专项整治行动", {"人次": (30, 60), "起": (2, 8), "元": (8000, 60000)},
       ou="YL_XZ_WSJD", days=40),
    # 爱国卫生
    _a("爱国卫生", "专项行动", "“爱国卫生月”城乡环境卫生整洁行动", {"人次": (8000, 20000), "户": (12000, 30000)}, month=4,
       days=30),
    _a("爱国卫生", "宣传", "病媒生物防制知识宣传", {"份": (3000, 8000)}),
    _a("爱国卫生", "考核评审", "国家卫生乡镇创建复审迎检", {"家": (2, 4)}, days=5),
    # 健康扶贫
    _a("健康扶贫", "督导检查", "脱贫人口家庭医生签约履约情况核查", {"户次": (1500, 3500), "人次": (40, 80)}, days=30),
    _a("健康扶贫", "专项行动", "防止因病返贫动态监测帮扶", {"户": (300, 700), "人": (500, 1200)}, days=60),
    _a("健康扶贫", "义诊", "健康帮扶送医下乡", {"场次": (10, 20), "人次": (1000, 2500)}, days=20),
    # 计生
    _a("计生", "其他", "计划生育家庭特别扶助金发放", {"人": (900, 1300), "万元": (70, 120)}, days=10),
    _a("计生", "督导检查", "计划生育奖励扶助资格确认复核", {"户": (2000, 3500), "人": (3000, 5000)}, days=30),
    _a("计生", "宣传", "“5·29”计生协会员活动日宣传", {"份": (2000, 5000), "人次": (500, 1200)}, month=5),
    _a("计生", "培训", "托育服务从业人员培训", {"期": (1, 2), "人次": (60, 120)}, days=3),
    # 综合
    _a("综合", "会议", "全县卫生健康工作会议", {"次": (1, 1), "人次": (150, 220)}, month=2),
    _a("综合", "会议", "上半年卫生健康工作推进会", {"次": (1, 1), "人次": (80, 120)}, month=7),
    _a("安全生产", "培训", "安全生产和消防安全培训", {"场次": (1, 2), "人次": (120, 200)}),
    _a("安全生产", "督导检查", "医疗卫生机构安全生产大检查", {"人次": (20, 40), "家": (35, 60), "发现问题": (20, 45),
                                                     "已整改": (15, 20)}, days=15),
    # 医改, 卫生应急, 一老一小, 人才, 民生实事, 党建
    _a("医改", "会议", "紧密型县域医共体建设推进会", {"次": (1, 1), "人次": (60, 90)}),
    _a("医改", "考核评审", "公立医院绩效考核", {"家": (4, 4)}, half=1, days=20),
    _a("卫生应急", "应急演练", "突发公共卫生事件卫生应急综合演练", {"场次": (1, 1), "人次": (100, 160)}),
    _a("卫生应急", "培训", "卫生应急队伍能力培训", {"期": (1, 1), "人次": (60, 100)}, days=2),
    _a("一老一小", "督导检查", "医养结合机构服务质量检查", {"人次": (10, 16), "家": (6, 9), "发现问题": (8, 15),
                                                 "已整改": (6, 8)}, days=10),
    _a("一老一小", "培训", "托育机构负责人和保育人员培训", {"期": (1, 1), "人次": (50, 90)}, days=2),
    _a("人才", "培训", "乡村医生岗位培训", {"期": (1, 2), "人次": (200, 320)}, days=5),
    _a("人才", "其他", "基层医疗卫生机构公开招聘", {"人": (20, 45)}, days=30),
    _a("民生实事", "其他", "适龄妇女宫颈癌免费筛查民生实事项目", {"人": (1500, 3000)}, days=60),
    _a("党建", "会议", "党风廉政建设和警示教育大会", {"次": (1, 1), "人次": (120, 180)}),
    _a("党建", "专项行动", "医药领域腐败问题集中整治", {"家": (20, 30), "发现问题": (25, 40), "已整改": (18, 24)},
       days=40),
)

# (domain, kind, title, ou, (start month, day), (end month, day, years later), counts)
CAMPAIGNS = (
    ("疾病防控", "专项行动", "登革热等蚊媒传染病防控专项行动", "YL_XZ_JKZX", (6, 1), (9, 30, 0),
     {"人次": (1500, 3000), "户": (8000, 15000), "份": (10000, 20000)}),
    ("疾病防控", "专项行动", "秋冬季传染病防控专项行动", "YL_XZ_JKZX", (10, 15), (1, 31, 1),
     {"人次": (600, 1200), "家": (60, 100)}),
    ("爱国卫生", "专项行动", "夏季爱国卫生运动", BUREAU, (6, 10), (8, 31, 0), {"人次": (6000, 12000), "户": (9000, 18000)}),
)

DOCUMENTS = (
    (1, "综合", "关于印发《沅陵县{y}年卫生健康工作要点》的通知"),
    (1, "公共卫生", "关于印发《沅陵县{y}年基本公共卫生服务项目实施方案》的通知"),
    (1, "疾病防控", "关于做好{y}年春季传染病防控工作的通知"),
    (1, "监督", "关于开展{y}年医疗机构依法执业专项监督检查的通知"),
    (1, "妇幼", "关于印发《沅陵县{y}年妇幼健康工作要点》的通知"),
    (1, "爱国卫生", "关于开展{y}年爱国卫生月活动的通知"),
    (1, "计生", "关于做好{y}年计划生育奖励扶助和特别扶助工作的通知"),
    (1, "医疗服务", "关于进一步加强医疗质量安全管理的通知"),
    (1, "中医药", "关于印发《沅陵县{y}年中医药工作要点》的通知"),
    (1, "健康扶贫", "关于做好{y}年防止因病返贫动态监测帮扶工作的通知"),
    (2, "疾病防控", "关于做好{y}年秋冬季传染病防控工作的通知"),
    (2, "公共卫生", "关于开展基本公共卫生服务项目{y}年度绩效评价的通知"),
    (2, "疾病防控", "关于开展{y}年“世界艾滋病日”宣传活动的通知"),
    (2, "医疗服务", "关于印发《沅陵县紧密型县域医共体建设{y}年工作方案》的通知"),
    (2, "监督", "关于开展公共场所卫生专项整治的通知"),
    (2, "公共卫生", "关于做好重点人群家庭医生签约服务的通知"),
    (2, "爱国卫生", "关于开展{y}年冬春季爱国卫生运动的通知"),
    (2, "计生", "关于开展托育机构安全隐患排查整治的通知"),
    (2, "综合", "关于做好{y}年度工作总结和{n}年工作计划的通知"),
)

# (name, ou, domain, 万元, funding, first month offset from the first year's January, months to finish,
#  months from completion to use (None: not yet))
PROJECTS = (
    ("县人民医院门急诊综合楼", "YL_XZ_RMYY", "医疗服务", "18600", "中央预算内投资、地方政府专项债券、医院自筹", 0, 26, 3),
    ("县妇幼保健院业务用房", "YL_XZ_FYBJY", "妇幼", "9800", "中央预算内投资、县级财政配套", 6, 40, None),
    ("乡镇卫生院标准化建设", BUREAU, "医疗服务", "4200", "省级补助资金、县级财政配套", 3, 18, 1),
    ("县疾控中心P2实验室", "YL_XZ_JKZX", "疾病防控", "1500", "中央转移支付资金", 15, 16, None),
    ("医共体信息平台", BUREAU, "医疗服务", "2600", "地方政府专项债券、县级财政", 12, 14, 2),
)
MILESTONES = ((0, "完成立项和可研批复"), (5, "完成施工招标"), (15, "基础施工"), (35, "主体施工"), (60, "主体封顶"),
              (75, "装饰装修"), (90, "设备安装调试"), (100, "竣工验收"))

# (what, awarded by, level, domain, month, ou); one or two a year, by the year's parity
HONOURS = (
    ("全省基本公共卫生服务项目绩效评价优秀县", "湖南省卫生健康委员会", "省级", "公共卫生", 4, BUREAU),
    ("全市卫生健康工作先进单位", "怀化市卫生健康委员会", "市级", "综合", 3, BUREAU),
    ("全市妇幼健康工作先进集体", "怀化市卫生健康委员会", "市级", "妇幼", 9, "YL_XZ_FYBJY"),
    ("全省中医药工作先进集体", "湖南省中医药管理局", "省级", "中医药", 11, "YL_XZ_ZYY"),
    ("国家卫生县城（复审）", "全国爱国卫生运动委员会", "国家级", "爱国卫生", 8, BUREAU),
    ("全市卫生监督执法优秀案卷", "怀化市卫生健康委员会", "市级", "监督", 6, "YL_XZ_WSJD"),
)


def demo_ledger(package: MetadataPackage, first_year: int, last_month: Period | str,
                seed: int = 20240701) -> list[LedgerItem]:
    """The demo county's ledger from January of ``first_year`` to the end of
    ``last_month``: entries, documents issued, projects with progress, honours."""
    last = Period.parse(last_month) if isinstance(last_month, str) else last_month
    cutoff = period_bounds(last)[1]
    towns = sorted((ou.code, ou.name) for ou in package.orgunits.values() if ou.type == "乡镇卫生院")
    entries: list[LedgerItem] = []
    documents: list[LedgerItem] = []
    serial: dict[int, int] = {}
    for year in range(first_year, cutoff.year + 1):
        for half in (1, 2):
            first = date(year, 6 * half - 5, 1)
            if first > cutoff:
                break
            rng = random.Random(f"{seed}:ledger:{year}S{half}")
            entries += _activities(rng, year, half, cutoff, towns)
            entries += _campaigns(rng, year, half, cutoff)
            documents += _documents(rng, year, half, cutoff, serial)
    projects, progress = _projects(first_year, cutoff)
    items = [*entries, *documents, *projects, *progress, *_honours(first_year, cutoff)]
    # another package may lack the county's units: its root records their work
    root = package.root().code
    return [replace(item, orgunit=root) if getattr(item, "orgunit", root) not in package.orgunits else item
            for item in items]


def _months(year: int, half: int, cutoff: date) -> list[int]:
    return [m for m in range(6 * half - 5, 6 * half + 1) if date(year, m, 1) <= cutoff]


def _activities(rng: random.Random, year: int, half: int, cutoff: date,
                towns: list[tuple[str, str]]) -> list[LedgerEntry]:
    months = _months(year, half, cutoff)
    found = []
    for activity in ACTIVITIES:
        if activity.half not in (None, half):
            continue
        if activity.month is not None:
            if activity.month not in months:
                continue
            month = activity.month
        else:
            month = rng.choice(months)
        start = date(year, month, rng.randint(1, 20))
        end = min(start + timedelta(days=activity.days - 1), cutoff)
        if activity.ou == TOWNSHIP:
            for code, name in rng.sample(towns, min(3, len(towns))):
                found.append(_entry(rng, activity, code, activity.title.replace(TOWNSHIP, name), start, end))
            continue
        found.append(_entry(rng, activity, activity.ou, activity.title, start, end))
    return found


def _entry(rng: random.Random, activity: _Activity, ou: str, title: str, start: date, end: date) -> LedgerEntry:
    counts = {unit: _amount(rng, unit, low, high) for unit, low, high in activity.counts}
    return LedgerEntry(ou, activity.domain, activity.kind, title, start, end, activity.text, counts,
                       DEPARTMENTS[activity.domain])


def _amount(rng: random.Random, unit: str, low: int, high: int) -> Decimal:
    if unit == "万元":
        return Decimal(rng.randint(low * 100, high * 100)) / 100
    if unit == "元":
        return Decimal(rng.randint(low // 100, high // 100) * 100)
    return Decimal(rng.randint(low, high))


def _campaigns(rng: random.Random, year: int, half: int, cutoff: date) -> list[LedgerEntry]:
    found = []
    for domain, kind, title, ou, (month, day), (end_month, end_day, later), counts in CAMPAIGNS:
        start = date(year, month, day)
        if (month - 1) // 6 + 1 != half or start > cutoff:
            continue
        end = date(year + later, end_month, end_day)  # may lie after the cutoff: still under way
        activity = _a(domain, kind, title, counts, ou=ou)
        found.append(_entry(rng, activity, ou, f"{year}年{title}", start, end))
    return found


def _documents(rng: random.Random, year: int, half: int, cutoff: date, serial: dict[int, int]) -> list[IssuedDocument]:
    months = _months(year, half, cutoff)
    pool = [d for d in DOCUMENTS if d[0] == half]
    chosen = rng.sample(pool, min(len(pool), rng.randint(6, 10)))
    days = sorted(date(year, rng.choice(months), rng.randint(1, 28)) for _ in chosen)
    found = []
    for (_, domain, title), day in zip(chosen, days):
        if day > cutoff:
            continue
        serial[year] = serial.get(year, 0) + rng.randint(1, 4)  # other offices' numbers in between
        found.append(IssuedDocument(BUREAU, f"沅卫发〔{year}〕{serial[year]}号", title.format(y=year, n=year + 1), day,
                                    domain, DEPARTMENTS[domain]))
    return found


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _projects(first_year: int, cutoff: date) -> tuple[list[Project], list[ProgressRecord]]:
    projects, records = [], []
    for name, ou, domain, investment, funding, offset, duration, to_use in PROJECTS:
        start = first_year * 12 + offset  # month ordinal of the first record
        finish = start + duration
        used = None if to_use is None else finish + to_use
        last = cutoff.year * 12 + cutoff.month - 1
        if start > last:
            continue
        status = "前期"
        project_records = []
        for month in range(start, min(last, used if used is not None else last) + 1):
            done = min(100, round(100 * (month - start) / duration))
            new_status = "投入使用" if used is not None and month >= used else (
                "竣工" if done >= 100 else ("在建" if done >= 5 else "前期"))
            milestone = "已投入使用" if new_status == "投入使用" else next(
                text for threshold, text in reversed(MILESTONES) if done >= threshold)
            day = min(_month_end(month // 12, month % 12 + 1), cutoff)
            project_records.append(ProgressRecord(name, day, Decimal(done), milestone,
                                                  new_status if new_status != status else None))
            status = new_status
        projects.append(Project(ou, name, "前期", Decimal(investment), funding, domain, DEPARTMENTS[domain]))
        records += project_records
    return projects, records


def _honours(first_year: int, cutoff: date) -> list[Honour]:
    found = []
    for year in range(first_year, cutoff.year + 1):
        for i, (what, by, level, domain, month, ou) in enumerate(HONOURS):
            if i % 2 != year % 2:  # half of them each year, alternating
                continue
            day = date(year, month, 18)
            if day <= cutoff:
                found.append(Honour(ou, what, level, day, domain, by, DEPARTMENTS[domain]))
    return found
