"""The figures and sentence structures of the two real summaries the issue is measured on, retold in
our own words (no sentence is copied): each holds exactly one real inconsistency, which the audit
must find, and no false alarm. The relations a reader establishes by hand are checked too."""
from __future__ import annotations

from weijian.audit import audit_text

COUNTY_ANNUAL = """某县卫生健康局2022年度工作总结
一、疫情防控
今年以来，县外返回人员累计267人，都已落实管控。当前全县设置交通卡口服务点12个（其中：高速路口服务点4个），安排人员昼夜值守。
截至11月10日，全县第一剂次接种400366剂，第二剂次接种396782剂，第三剂次接种   291369剂。加强针累计接种226171剂，完成率94.97 %。老年人应接种120162人，累计接种116050人，接种覆盖率96.58 %，排名全市前列。
截至11月10日，全县场所码申领37813个，完成目标任务的111.48%。日检测能力从15600管增加到38400管。
二、健康帮扶
全县脱贫户、低保户和特困户中现有四种慢病对象12857人，其中：结核病74人，高血压9548人，糖尿病2584人，重性精神病105人。
三、民生实事
一是产前筛查。全年目标任务2400人，截至10月20日，完成2362人，完成目标任务98.42%。二是新生儿心脏病筛查。目标任务2400人，截至10月20日，完成2396人，完成目标任务的99.83%。
四、疾病防控
截至11月8日全县报告传染病22种2805例，发病率431.53/10万，无甲类传染病报告，乙类传染病报告15种1331例，发病率204.77/10万，丙类传染病报告7种1474例，发病率226.76/10万，发病居前5位的病种依次为流行性感冒919例，肺结核497例，乙肝368例，其他感染性腹泻355倒，梅毒281例。
今年对辖区232例尘肺病患者进行了随访，其中死亡10人，现存活222人。
"""

DISTRICT_HALF = """某区卫计委2024年上半年工作总结
今年，全区(含开发区)参加新农合667984人，比上年减少7220人，参合率97%。按照人均540元的筹资标准(其中，个人缴纳120元，中央、省、区三级财政分别补助240元、135元、45元)，全年应筹集资金3.6亿余元。1-5月份，全区近54万人次得到新农合补偿，受益率80.8%，共支付各类补偿资金1.3亿元，占当年筹资额的36.1%。其中，住院补偿3.9万人次，补偿资金1.1亿元;住院分娩补偿2113人次，补偿资金116.17万元;门诊统筹补偿49.1万人次，补偿资金986.1万元;慢病门诊补偿7628人次，补偿资金994.8万元。
目前，三十铺、东桥、张店、横塘、城北5所卫生院中医馆已基本建成。
截至5月底，全区已接种67072剂次(全年任务为剂次：164318，7469人×22针次)，完成全年任务的40.8%。
全区共报告传染病15种1227例，其中：死亡病例2例(艾滋病1例，肺结核1例)，无甲类传染病报告，乙类传染病8种585例，丙类传染病7种642例，发病率153.895/10万，死亡率0.2508/10万。发病居前五位的病种为：手足口病(377例)、肺结核(171例)、乙肝(148例)、梅毒(142例)和其他感染性腹泻(98例)。腹泻病门诊合计报告腹泻病例377例(菌痢15例、伤寒1例、其它感染性腹泻病23例，一般腹泻338例)。
执法检查中，共立案处罚27起，其中医疗机构立案处罚23起，移交公安1起，取缔黑诊所3家，公共场所立案处罚4起。
上半年，1-5月份免费婚检3448对，婚检率85.26%(完成全年任务的50.71%);住院分娩补助4183人，(完成全年任务的55.77%)。
上半年全区确认奖励对象22846人，发放奖励资金共1990.99万元。其中，奖励扶助对象5401人，扩面奖励对象8818人，发放资金1398.3万元;特别扶助对象914人，发放资金269.6万元;改制企业退休职工615人，发放资金92.5万元;无单位居民188人，发放资金28.4万元;一季度节育奖励对象6910人(上环6075人、结扎642人、两女扎193人)，发放资金202.19万元。
今年承担74户征迁任务，其中涉及航拍标识的18户，重病、残疾等情况的6户，产权争议的5户，截至6月底已完成70户，完成率95%。
医院建设项目到位资金2400万元，其中2024万用于保证金、200万用于环评和规划设计、200万用于板房及场地整治等。
"""


def _found(report) -> set[tuple[str, str, str]]:
    return {(f.kind, f.verdict, report.figures[f.focus].text) for f in report.findings if f.focus is not None}


def test_county_annual_summary():
    report = audit_text(COUNTY_ANNUAL)
    assert [(f.kind, report.figures[f.focus].text) for f in report.inconsistent] == [("sum", "12857人")]
    assert "546" in report.inconsistent[0].message
    assert _found(report) >= {
        ("sum", "partial", "12个"), ("rate", "consistent", "96.58 %"), ("completion", "consistent", "98.42%"),
        ("completion", "consistent", "99.83%"), ("sum", "consistent", "2805例"),
        ("category_count", "consistent", "22种"), ("implied_population", "consistent", "431.53/10万"),
        ("ranking", "consistent", "919例"), ("sum", "consistent", "232例"),
        ("completion", "partial", "94.97 %"), ("completion", "partial", "111.48%"),
    }


def test_district_half_year_summary():
    report = audit_text(DISTRICT_HALF)
    assert [(f.kind, report.figures[f.focus].text) for f in report.inconsistent] == [("sum", "2400万元")]
    assert _found(report) >= {
        ("sum", "consistent", "540元"), ("product", "consistent", "3.6亿余元"), ("sum", "consistent", "近54万人次"),
        ("sum", "consistent", "1.3亿元"), ("product", "consistent", "164318"), ("completion", "consistent", "40.8%"),
        ("sum", "consistent", "1227例"), ("sum", "consistent", "2例"), ("category_count", "consistent", "15种"),
        ("implied_population", "consistent", "153.895/10万"), ("ranking", "consistent", "377例"),
        ("sum", "consistent", "27起"), ("sum", "consistent", "22846人"), ("sum", "consistent", "6910人"),
        ("sum", "consistent", "1990.99万元"), ("completion", "consistent", "95%"),
        ("category_count", "consistent", "5所"), ("completion", "partial", "50.71%"),
    }
    # a guessed pairing is never called 一致
    assert ("rate", "consistent", "80.8%") not in _found(report)
