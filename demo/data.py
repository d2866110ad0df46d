"""The demo county, 铁力市 (seed 004, "百局联百村"), as plain Python data.

Loaded by ``manage.py seed_demo`` through the services. Everything here is deterministic: names
and phone numbers are derived from stable codes with a hash, never from ``random``, so every
machine gets the same demo and re-running the command changes nothing.

Shapes (all lists are in load order, parents before children, Party organisations before the
mass organisations they lead):

- ``UNITS``: dicts ``code, name, kind, parent_code, sort_order``
- ``ORGANIZATIONS``: dicts ``code, name, kind, unit_code, led_by_code, members, women_members``
- ``LEADERS``: dicts ``unit_code, position, name, organization_code, gender, phone, notes``
  (matched on re-runs by ``(unit_code, position, name)``)
- ``ACCOUNTS``: the demo log-ins of CONTRACT.md §1
- ``PAIRINGS``: ``(bureau_code, village_code)``, the 76 one-to-one co-building pairs (for the
  pairings app; 市农业局 ↔ 铁力镇满天红村 as in the seed)
- ``pairing_demo(today)``: the 百局联百村 campaign and everything recorded under it (pairings,
  contact points, leaders' visits, inspections, rectification items, help pairs), dated relative
  to ``today`` (see the section at the end)

Village and bureau names beyond those in the seed are invented but plausible; member counts are
invented so that the county's totals look like a real 县级市 (seed 000 quotes 4,738 rural
members for a banner with 148 villages; 铁力市 has 76 villages, so about 3,700).
"""

from __future__ import annotations

import hashlib


class DemoDataError(RuntimeError):
    """The shipped demo data contradicts itself (a figure of seed 004 would come out wrong)."""


def _check(ok: bool, what: object = "") -> None:
    """The demo data's consistency checks; unlike ``assert`` they also run under ``python -O``."""
    if not ok:
        raise DemoDataError(f"demo data inconsistent: {what}")

DEMO_PASSWORD = "cobuild-demo"  # the documented demo password (CONTRACT.md §1), demo accounts only  # nosec B105
COUNTY_CODE = "TL"
STAFF_GROUP = "县乡管理员"

# --- the area tree -------------------------------------------------------------------------

PROVINCE = ("HL", "黑龙江省")
CITY = ("HL-YC", "伊春市")
COUNTY = (COUNTY_CODE, "铁力市")

# The real towns and townships of 铁力市; villages are (name, Party members). 76 in all.
TOWNSHIPS = [
    ("TL-01", "铁力镇", [
        ("满天红村", 58), ("东兴村", 47), ("西兴村", 39), ("永丰村", 52), ("民主村", 44),
        ("建设村", 61), ("新发村", 36), ("长山村", 41), ("铁山村", 33), ("红升村", 49),
        ("向阳村", 55), ("富民村", 38), ("太平村", 64), ("保安村", 42),
    ]),
    ("TL-02", "双丰镇", [
        ("双丰村", 67), ("新立村", 45), ("同心村", 38), ("东升村", 51), ("富强村", 43),
        ("永胜村", 35), ("胜利村", 57), ("长安村", 40), ("新城村", 46), ("庆丰村", 37),
        ("双河村", 32), ("前锋村", 48),
    ]),
    ("TL-03", "桃山镇", [
        ("桃山村", 54), ("桃源村", 41), ("新兴村", 37), ("山河村", 45), ("林海村", 29),
        ("东山村", 34), ("福兴村", 39), ("五星村", 43),
    ]),
    ("TL-04", "朗乡镇", [
        ("朗乡村", 50), ("小白村", 31), ("达里村", 36), ("东风村", 42), ("前进村", 38),
        ("北沟村", 27), ("和平村", 40),
    ]),
    ("TL-05", "神树镇", [
        ("神树村", 53), ("新青村", 39), ("红星村", 44), ("青山村", 35), ("兴隆村", 47),
        ("德胜村", 41), ("永安村", 37), ("东明村", 30),
    ]),
    ("TL-06", "年丰朝鲜族乡", [
        ("年丰村", 62), ("朝阳村", 46), ("新丰村", 39), ("民乐村", 43), ("光明村", 36),
        ("红旗村", 48), ("丰收村", 41), ("三合村", 34), ("新农村", 38),
    ]),
    ("TL-07", "王杨乡", [
        ("王杨村", 59), ("北星村", 42), ("新民村", 37), ("复兴村", 45), ("永兴村", 40),
        ("团结村", 48), ("联合村", 35), ("双胜村", 39), ("平安村", 33),
    ]),
    ("TL-08", "工农乡", [
        ("工农村", 63), ("红光村", 44), ("新华村", 41), ("先锋村", 38), ("东方红村", 50),
        ("四合村", 32), ("龙泉村", 36), ("兴安村", 43), ("幸福村", 47),
    ]),
]
# Communities of the town seat (铁力镇), (name, Party members).
COMMUNITIES = [("文化社区", 86), ("站前社区", 64), ("正阳社区", 71), ("北山社区", 45)]
# Township Party committees: members of the township organ itself (机关党员); the villages'
# members are counted in their own branches, so they are not repeated here.
TOWNSHIP_ORGAN_MEMBERS = {"TL-01": 46, "TL-02": 38, "TL-03": 31, "TL-04": 29, "TL-05": 33,
                          "TL-06": 35, "TL-07": 30, "TL-08": 32}

# Blank spots the coverage report should show: village code -> organisation kinds it lacks.
VILLAGE_GAPS = {
    "TL-03-05": ("youth_league",),           # 桃山镇林海村
    "TL-04-06": ("youth_league", "union"),   # 朗乡镇北沟村
    "TL-05-08": ("union",),                  # 神树镇东明村
    "TL-08-06": ("youth_league",),           # 工农乡四合村
}
GENERAL_BRANCH_FROM = 60  # villages with this many Party members or more have a 党总支

# The 76 city bureaus and window units of 百局联百村 (seed 004), (name, Party members).
BUREAUS = [
    ("市农业局", 64), ("市水务局", 38), ("市财政局", 42), ("市人社局", 36), ("市卫健局", 96),
    ("市教育局", 124), ("市交通运输局", 45), ("国网铁力市供电公司", 88), ("市委办公室", 27),
    ("市政府办公室", 31), ("市委组织部", 18), ("市委宣传部", 15), ("市委统战部", 11),
    ("市委政法委", 12), ("市纪委监委", 34), ("市人大常委会办公室", 21), ("市政协办公室", 19),
    ("市发展和改革局", 26), ("市工业和信息化局", 17), ("市民政局", 23), ("市司法局", 29),
    ("市自然资源局", 33), ("市住房和城乡建设局", 37), ("市生态环境局", 16), ("市商务局", 14),
    ("市文化广电和旅游局", 28), ("市退役军人事务局", 13), ("市应急管理局", 18), ("市审计局", 15),
    ("市市场监督管理局", 52), ("市统计局", 12), ("市医疗保障局", 14), ("市林业和草原局", 41),
    ("市畜牧兽医局", 24), ("市农业机械化技术推广中心", 13), ("市农业技术推广中心", 19),
    ("市乡村振兴局", 15), ("市信访局", 11), ("市营商环境建设监督局", 12), ("国家税务总局铁力市税务局", 58),
    ("市公安局", 143), ("市人民法院", 61), ("市人民检察院", 47), ("市总工会", 12), ("团市委", 9),
    ("市妇联", 8), ("市科学技术协会", 9), ("市残疾人联合会", 10), ("市工商业联合会", 8),
    ("市供销合作社", 22), ("市粮食和物资储备中心", 17), ("市气象局", 11), ("市人民医院", 112),
    ("市中医医院", 43), ("市疾病预防控制中心", 26), ("市妇幼保健院", 21), ("市广播电视台", 24),
    ("市不动产登记中心", 13), ("市政务服务中心", 18), ("伊春市住房公积金管理中心铁力分中心", 9),
    ("市城市管理综合执法局", 35), ("市消防救援大队", 22), ("中国农业银行铁力市支行", 39),
    ("中国工商银行铁力支行", 27), ("中国建设银行铁力支行", 25), ("中国邮政储蓄银行铁力市支行", 16),
    ("铁力市农村信用合作联社", 44), ("中国邮政集团铁力市分公司", 23), ("中国移动铁力分公司", 19),
    ("中国联通铁力分公司", 12), ("中国电信铁力分公司", 15), ("中国人寿铁力支公司", 11),
    ("中国人民财产保险铁力支公司", 10), ("市自来水公司", 21), ("市热力公司", 26), ("市烟草专卖局", 17),
]
PARTY_COMMITTEE_FROM = 80  # bureaus with this many Party members or more have a 党委

# Enterprises: (code, name, parent code, non-public?, org kinds present, Party members).
ENTERPRISES = [
    ("TL-E01", "铁力市金穗米业有限公司", "TL-01", True,
     ("party_branch", "union", "youth_league", "women_federation"), 9),
    ("TL-E02", "铁力市林海木业有限公司", "TL-03", True, ("union",), 0),
    ("TL-E03", "铁力市兴林北药开发有限公司", "TL-05", True, (), 0),
    ("TL-E04", "铁力市鑫源建材有限公司", COUNTY_CODE, True,
     ("party_branch", "union", "youth_league", "women_federation"), 7),
    ("TL-E05", "铁力市热电有限责任公司", COUNTY_CODE, False,
     ("party_committee", "union", "youth_league", "women_federation"), 83),
    ("TL-E06", "铁力市年丰朝鲜族风味食品有限公司", "TL-06", True,
     ("party_branch", "union", "youth_league", "women_federation"), 6),
]
# Schools: (code, name, parent code, Party kind, Party members, has a Youth League organisation).
SCHOOLS = [
    ("TL-S01", "铁力市第一中学", COUNTY_CODE, "party_general_branch", 68, True),
    ("TL-S02", "铁力市第二中学", COUNTY_CODE, "party_branch", 41, True),
    ("TL-S03", "铁力市职业技术教育中心", COUNTY_CODE, "party_branch", 29, True),
    ("TL-S04", "铁力镇中心小学", "TL-01", "party_branch", 24, False),
    ("TL-S05", "年丰朝鲜族乡中心学校", "TL-06", "party_branch", 17, False),
]
SOCIAL_ORGS = [("TL-G01", "铁力市蓝莓产业协会", COUNTY_CODE, 5)]

# --- deterministic people ------------------------------------------------------------------

_SURNAMES = ("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
             "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯"
             "龙史陶贺顾毛郝龚邵万钱严武戴孔汤常温康")
_KOREAN_SURNAMES = "金朴李崔郑姜张"
_MALE_GIVEN = ("国华", "建国", "振东", "立新", "春生", "长海", "宝山", "德胜", "文学", "志强", "庆丰",
               "永利", "树林", "海军", "洪涛", "福才", "玉林", "喜才", "凤山", "金龙", "晓东", "建军",
               "宏伟", "广发", "铁军", "明亮", "占江", "殿成", "学军", "守财", "俊峰", "东旭")
_FEMALE_GIVEN = ("秀英", "桂兰", "玉梅", "淑芬", "凤霞", "丽华", "红梅", "春燕", "晓丽", "秀珍",
                 "亚琴", "丽娟", "海燕", "淑华", "玉兰", "美玲", "雪梅", "艳秋")
_KOREAN_GIVEN_MALE = ("哲洙", "永哲", "光日", "成浩", "京植", "东春")
_KOREAN_GIVEN_FEMALE = ("顺姬", "英玉", "贞淑", "明花", "春子", "美善")
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                    "152", "153", "155", "156", "157", "158", "159", "180", "186", "187", "188", "189")


def _h(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def person_name(key: str, female: bool = False, korean: bool = False) -> str:
    """A plausible Chinese name, always the same for the same key."""
    h = _h("name:" + key)
    if korean:
        surnames = _KOREAN_SURNAMES
        given = _KOREAN_GIVEN_FEMALE if female else _KOREAN_GIVEN_MALE
    else:
        surnames = _SURNAMES
        given = _FEMALE_GIVEN if female else _MALE_GIVEN
    return surnames[h % len(surnames)] + given[(h // 1000) % len(given)]


def mobile(key: str) -> str:
    """An 11-digit mobile number starting 13/15/18, always the same for the same key."""
    h = _h("phone:" + key)
    return _MOBILE_PREFIXES[h % len(_MOBILE_PREFIXES)] + f"{(h // 100) % 10**8:08d}"


def _women(members: int, key: str, low: int = 22, high: int = 40) -> int:
    """Women among ``members``: a stable share between low% and high%."""
    share = low + _h("women:" + key) % (high - low + 1)
    return members * share // 100


# --- building the lists --------------------------------------------------------------------

def _build():
    units, orgs, leaders, pairings = [], [], [], []

    def unit(code, name, kind, parent_code, sort_order):
        units.append({"code": code, "name": name, "kind": kind, "parent_code": parent_code,
                      "sort_order": sort_order})

    def org(code, name, kind, unit_code, members, women, led_by_code=None):
        orgs.append({"code": code, "name": name, "kind": kind, "unit_code": unit_code,
                     "led_by_code": led_by_code, "members": members, "women_members": women})
        return code

    def leader(unit_code, position, name, org_code=None, female=False, phone="", notes=""):
        leaders.append({"unit_code": unit_code, "position": position, "name": name,
                        "organization_code": org_code, "gender": "female" if female else "male",
                        "phone": phone, "notes": notes})

    def mass_orgs(code, name, party_code, members, kinds, *, village):
        """The mass organisations of a unit, led by its Party organisation (党建带群建)."""
        if "union" in kinds:
            n = members * 2 + 12 if village else max(members + members // 2, 8)
            union_name = f"{name}机关工会" if name.endswith("工会") else f"{name}工会"
            org(f"{code}-U", union_name, "union", code, n, _women(n, code + "U", 30, 48), party_code)
        if "youth_league" in kinds:
            n = 8 + members // 5
            org(f"{code}-Y", f"{name}团支部", "youth_league", code, n,
                _women(n, code + "Y", 35, 55), party_code)
        if "women_federation" in kinds:
            n = 12 + members // 3
            kind_name = "妇代会" if village else "妇委会"
            org(f"{code}-W", f"{name}{kind_name}", "women_federation", code, n, n, party_code)

    unit(PROVINCE[0], PROVINCE[1], "province", None, 0)
    unit(CITY[0], CITY[1], "city", PROVINCE[0], 0)
    unit(COUNTY[0], COUNTY[1], "county", CITY[0], 0)
    # The county committee's members are all counted in the branches below it.
    org(f"{COUNTY_CODE}-P", "中共铁力市委员会", "party_committee", COUNTY_CODE, 0, 0)

    villages = []  # (code, name) in pairing order
    for t_index, (t_code, t_name, t_villages) in enumerate(TOWNSHIPS, start=1):
        unit(t_code, t_name, "township", COUNTY_CODE, t_index)
        korean = t_name.startswith("年丰朝鲜族")
        organ = TOWNSHIP_ORGAN_MEMBERS[t_code]
        t_party = org(f"{t_code}-P", f"中共{t_name}委员会", "party_committee", t_code, organ,
                      _women(organ, t_code))
        org(f"{t_code}-U", f"{t_name}总工会", "union", t_code, organ * 3, _women(organ * 3, t_code + "U"),
            t_party)
        org(f"{t_code}-Y", f"共青团{t_name}委员会", "youth_league", t_code, 20 + organ // 2,
            _women(20 + organ // 2, t_code + "Y", 35, 55), t_party)
        org(f"{t_code}-W", f"{t_name}妇女联合会", "women_federation", t_code, 15 + organ // 3,
            15 + organ // 3, t_party)
        leader(t_code, "secretary", person_name(t_code + "书记"), t_party, phone=mobile(t_code + "书记"),
               notes="乡镇党委书记")
        female = _h(t_code + "联络员") % 2 == 0
        leader(t_code, "liaison", person_name(t_code + "联络员", female), t_party, female,
               mobile(t_code + "联络员"), notes="乡镇党委组织委员,百局联百村联络员")

        for v_index, (v_name, members) in enumerate(t_villages, start=1):
            code = f"{t_code}-{v_index:02d}"
            unit(code, v_name, "village", t_code, v_index)
            villages.append((code, v_name))
            party_kind = "party_general_branch" if members >= GENERAL_BRANCH_FROM else "party_branch"
            party_name = f"{v_name}党总支" if party_kind == "party_general_branch" else f"{v_name}党支部"
            party = org(f"{code}-P", party_name, party_kind, code, members, _women(members, code))
            gaps = VILLAGE_GAPS.get(code, ())
            kinds = [k for k in ("union", "youth_league", "women_federation") if k not in gaps]
            mass_orgs(code, v_name, party, members, kinds, village=True)
            female = _h(code + "书记") % 6 == 0
            leader(code, "secretary", person_name(code + "书记", female, korean and v_index % 2 == 1),
                   party, female, mobile(code + "书记"), notes="村党组织书记")
            if v_index % 4 == 1 and "youth_league" in kinds:
                leader(code, "political_instructor", person_name(code + "辅导员"), f"{code}-Y",
                       phone=mobile(code + "辅导员"), notes="团支部政治辅导员")
            if v_index % 3 == 2:
                female = _h(code + "联络员") % 3 == 0
                leader(code, "liaison", person_name(code + "联络员", female), party, female,
                       mobile(code + "联络员"), notes="共建联络员")

        if t_code == "TL-01":
            for c_index, (c_name, members) in enumerate(COMMUNITIES, start=1):
                code = f"TL-01-C{c_index:02d}"
                unit(code, c_name, "community", t_code, 100 + c_index)
                party_kind = "party_general_branch" if members >= GENERAL_BRANCH_FROM else "party_branch"
                party_name = f"{c_name}党总支" if party_kind == "party_general_branch" else f"{c_name}党支部"
                party = org(f"{code}-P", party_name, party_kind, code, members, _women(members, code, 35, 55))
                mass_orgs(code, c_name, party, members, ("union", "youth_league", "women_federation"),
                          village=True)
                female = _h(code + "书记") % 2 == 0
                leader(code, "secretary", person_name(code + "书记", female), party, female,
                       mobile(code + "书记"), notes="社区党组织书记")

    _check(len(villages) == 76, len(villages))
    _check(len(BUREAUS) == 76, len(BUREAUS))
    _check(len({name for _, name in villages}) == 76, "village names must be unique in the county")

    for b_index, (b_name, members) in enumerate(BUREAUS, start=1):
        code = f"TL-B{b_index:02d}"
        unit(code, b_name, "bureau", COUNTY_CODE, 100 + b_index)
        party_kind = "party_committee" if members >= PARTY_COMMITTEE_FROM else "party_branch"
        party_name = f"{b_name}党委" if party_kind == "party_committee" else f"{b_name}党支部"
        party = org(f"{code}-P", party_name, party_kind, code, members, _women(members, code, 25, 50))
        kinds = ["union"]
        if members >= 40:
            kinds += ["youth_league", "women_federation"]
        mass_orgs(code, b_name, party, members, kinds, village=False)
        village_code, village_name = villages[b_index - 1]
        pairings.append((code, village_code))
        female = _h(code + "联络员") % 2 == 0
        leader(code, "liaison", person_name(code + "联络员", female), party, female, mobile(code + "联络员"),
               notes=f"百局联百村联络员,结对村:{village_name}")
        if b_index <= 8:  # the bureaus named in the seed: their branch secretary too
            leader(code, "secretary", person_name(code + "书记"), party, phone=mobile(code + "书记"),
                   notes="机关党组织书记")

    for e_index, (code, name, parent, non_public, kinds, members) in enumerate(ENTERPRISES, start=1):
        unit(code, name, "enterprise", parent, 300 + e_index)
        party = None
        party_kind = next((k for k in kinds if k.startswith("party")), None)
        if party_kind:
            suffix = "党委" if party_kind == "party_committee" else "党支部"
            party = org(f"{code}-P", f"{name}{suffix}", party_kind, code, members, _women(members, code))
        mass_orgs(code, name, party, max(members, 20), kinds, village=False)
        if non_public:
            leader(code, "instructor", person_name(code + "指导员"), party, phone=mobile(code + "指导员"),
                   notes="非公有制企业党建指导员(两员)")
            if party is None:
                leader(code, "liaison", person_name(code + "联系员", True), None, True,
                       mobile(code + "联系员"), notes="非公有制企业党建联系员,负责组建党组织")
        elif party:
            leader(code, "secretary", person_name(code + "书记"), party, phone=mobile(code + "书记"),
                   notes="企业党委书记")

    for s_index, (code, name, parent, party_kind, members, youth) in enumerate(SCHOOLS, start=1):
        unit(code, name, "school", parent, 400 + s_index)
        suffix = "党总支" if party_kind == "party_general_branch" else "党支部"
        party = org(f"{code}-P", f"{name}{suffix}", party_kind, code, members, _women(members, code, 45, 65))
        kinds = ["union", "youth_league"] if youth else ["union"]
        mass_orgs(code, name, party, members, kinds, village=False)
        leader(code, "secretary", person_name(code + "书记", s_index % 2 == 0), party, s_index % 2 == 0,
               mobile(code + "书记"), notes="学校党组织书记")

    for g_index, (code, name, parent, members) in enumerate(SOCIAL_ORGS, start=1):
        unit(code, name, "social_org", parent, 500 + g_index)
        org(f"{code}-P", f"{name}党支部", "party_branch", code, members, _women(members, code))

    return units, orgs, leaders, pairings


UNITS, ORGANIZATIONS, LEADERS, PAIRINGS = _build()


def _leader_of(unit_code: str, position: str) -> dict:
    return next(x for x in LEADERS if x["unit_code"] == unit_code and x["position"] == position)


_village_secretary = _leader_of("TL-01-01", "secretary")   # 满天红村
_bureau_liaison = _leader_of("TL-B01", "liaison")           # 市农业局

# The demo log-ins of CONTRACT.md §1 (all with DEMO_PASSWORD). ``role`` None = superuser only.
ACCOUNTS = [
    {"username": "admin", "role": None, "unit_code": None, "is_staff": True, "is_superuser": True,
     "name": "系统管理员", "phone": "", "groups": ()},
    {"username": "county", "role": "county_admin", "unit_code": COUNTY_CODE, "is_staff": True,
     "is_superuser": False, "name": person_name("account:county", True), "phone": mobile("account:county"),
     "groups": (STAFF_GROUP,)},
    {"username": "township", "role": "township_staff", "unit_code": "TL-01", "is_staff": True,
     "is_superuser": False, "name": person_name("account:township"), "phone": mobile("account:township"),
     "groups": (STAFF_GROUP,)},
    {"username": "village", "role": "village_secretary", "unit_code": "TL-01-01", "is_staff": False,
     "is_superuser": False, "name": _village_secretary["name"], "phone": _village_secretary["phone"],
     "groups": ()},
    {"username": "bureau", "role": "bureau_liaison", "unit_code": "TL-B01", "is_staff": False,
     "is_superuser": False, "name": _bureau_liaison["name"], "phone": _bureau_liaison["phone"],
     "groups": ()},
    {"username": "inspector", "role": "inspector", "unit_code": COUNTY_CODE, "is_staff": False,
     "is_superuser": False, "name": person_name("account:inspector"), "phone": mobile("account:inspector"),
     "groups": ()},
]

# Permissions of the staff group, "app_label.codename": view/add/change on the tree models and on
# the campaign and pairing records (the services still decide what each role may write), view on
# import jobs. No delete: records are corrected, never silently removed.
STAFF_GROUP_PERMISSIONS = (
    *(f"organizations.{verb}_{model}" for model in ("unit", "organization", "leader", "rolegrant")
      for verb in ("view", "add", "change")),
    "organizations.view_importjob",
    *(f"campaigns.{verb}_{model}"
      for model in ("campaign", "activity", "commitment", "jointmeeting", "meetingdecision", "survey",
                    "appraisalsubject")
      for verb in ("view", "add", "change")),
    "metrics.view_target", "metrics.add_target", "metrics.change_target",
    *(f"pairings.{verb}_{model}"
      for model in ("pairing", "contactpoint", "inspection", "rectificationitem", "helppair")
      for verb in ("view", "add", "change")),
    *(f"people.{verb}_{model}" for model in ("person", "pipelinestep") for verb in ("view", "add", "change")),
    "people.view_personviewlog",
    *(f"evaluations.{verb}_{model}" for model in ("scheme", "criterion", "cycle") for verb in ("view", "add", "change")),
    *(f"evaluations.view_{model}" for model in ("nomination", "reviewerassignment", "score", "decision", "objection",
                                                "evidencefile", "award")),
    "creation.view_creationgoal", "creation.add_creationgoal", "creation.change_creationgoal",
    "creation.view_creationentry", "creation.change_creationentry", "creation.view_creationstep",
    "creation.view_creationevidence",
)


# --- 百局联百村: the campaign and its records (pairings app) ---------------------------------------
#
# Seed 004 reports one year of the campaign: 76 pairs, standing-committee members' contact points
# visited 38 times (人次), 16 inspections (巡回检查、跟踪督办、定期通报……), 144 help pairs. The
# demo puts "today" a year into the campaign, so that the portal, used now, shows a live campaign:
# every date below is counted back from ``today``. The matrix then shows green pairs (a co-building
# activity in the last 30 days), amber (31–60) and red (more than 60, or never) in the proportions
# of a real county: about 60 % green, 25 % amber, 15 % red.

CAMPAIGN_SLUG = "bjlbc-2011"
CAMPAIGN_DAYS_BEFORE = 365      # the campaign started a year before the demo's "today"
CAMPAIGN_DAYS_AFTER = 364       # and runs a second year
PAIRINGS_DAYS_BEFORE = 344      # pairs formed at the mobilisation meeting three weeks in
RECORDS_MAX_DAYS = 330          # the oldest record, two weeks after the pairs were formed
LEADER_VISITS = 38              # 市委常委共计深入联系点38人次
INSPECTIONS = 16                # 深入基层调研、检查、指导工作16次
HELP_PAIRS = 144                # 结成帮扶对子144个
SILENCE_SPLIT = {"green": 44, "amber": 19, "red_old": 7, "never": 4}   # + the 2 pairs named in the seed

CAMPAIGN = {
    "slug": CAMPAIGN_SLUG,
    "name": "百局联百村",
    "theme": "以城带乡、资源共享、优势互补、协调发展",
    "owner_unit_code": COUNTY_CODE,
    "phase": "implement",
    "description": (
        "依据《关于在全市开展“百局联百村”活动实施方案》,精选76个市直机关企事业单位和窗口单位,"
        "与全市76个行政村结成共建对子。采取“四抓四确保”措施:抓谋划研究部署,确保活动开局良好;"
        "抓督查宣传考核,确保活动扎实推进;抓联建共建内容,确保出实招办实事;抓助推和谐发展,"
        "确保活动成效明显。重点抓好组织生活联过、党员队伍联建、活动载体联创、服务群众联做、"
        "党建资源联享、城乡发展联促六个环节。建立市委常委联系点制度,组织部门牵头抓总,"
        "活动推进组巡回检查、跟踪督办、定期通报;活动情况纳入市直单位党建考核和乡镇、村班子实绩考核。"
    ),
}

# The standing-committee members with a contact point (names invented), the first at 满天红村.
STANDING_COMMITTEE = (
    "市委书记", "市委副书记、市长", "市委副书记", "市委常委、组织部部长", "市委常委、纪委书记、监委主任",
    "市委常委、宣传部部长", "市委常委、政法委书记", "市委常委、常务副市长", "市委常委、统战部部长",
    "市委常委、市委办公室主任",
)
_VISITS_PER_CONTACT_POINT = (4, 3, 3, 3, 3, 2, 2, 2, 2, 2)

_BUREAU_GOALS = {
    "TL-B01": ("冬季农闲组织机关支部全体党员到村过组织生活,作“发展现代农业,促进农民增收”专题辅导",
               "组织农业技术专家开展科技培训6次,提供农业技术8项、用工信息26条",
               "帮助村里建立水稻、大豆高产示范田和农民专业合作社"),
    "TL-B02": ("成立党员带头的水利工程技术维护队,帮助结对村打井、修建临时引水设施",
               "春耕前检查维护涵闸、机井等水利设施,清除河道、沟渠积雪淤泥,疏通桥涵",
               "保障春耕生产灌溉用水"),
}
_GOALS = (
    "每季度到村开展一次共建活动,与村党组织联过一次组织生活",
    "帮助村党组织培养入党积极分子,发展致富能手入党",
    "协调争取项目资金,改善村级活动场所和村屯道路",
    "结对帮扶困难党员和贫困户,每户明确一名帮扶党员",
    "开展送科技、送文化、送卫生、送政策、送法律下乡活动",
    "帮助村里制定产业发展规划,发展蓝莓、北药、食用菌等特色产业",
    "发布致富信息,组织农村劳动力转移就业",
    "为群众代办证照、社保、医保等事项,帮助解决群众关心的问题",
    "联合召开民主生活会,建立结对双方联席会议制度",
    "协调农业贷款,扶持专业合作经济组织",
)
_VISIT_NOTES = (
    "听取村党组织和帮建单位共建情况汇报,查阅共建工作台帐,要求把共建活动记实记全。",
    "走访帮扶对子困难户,了解帮扶措施落实情况,现场协调解决实际困难。",
    "参加结对双方联合组织生活会,为党员群众讲党课。",
    "调研村集体经济和特色产业发展,协调解决春耕生产资金和用水问题。",
    "召开村“两委”班子和党员代表座谈会,听取群众对帮建单位的意见建议。",
    "检查结对协议和公开承诺事项落实情况,督促按期兑现。",
    "慰问困难党员和老党员,送去米面油等慰问品。",
    "调研村级活动场所一室多用和党群服务情况。",
)
_HELP_MEASURES = (
    "协调小额贷款3万元,扶持发展黑木耳种植",
    "帮助联系外出务工岗位,实现一人就业",
    "送去米面油和冬季取暖煤",
    "帮助子女申请助学金",
    "指导种植蓝莓2亩,提供种苗",
    "代办医保报销和大病救助申请",
    "协调危房改造补助,帮助修缮住房",
    "赠送仔猪5头,定期上门指导饲养",
    "帮助申请低保和临时救助",
    "每月上门走访一次,帮助解决生产生活困难",
    "联系农技人员上门指导大豆种植",
    "帮助销售山野菜、蜂蜜等农副产品",
)


def pairing_code(index: int) -> str:
    return f"BJLBC-{index:02d}"


_UNIT_BY_CODE = {u["code"]: u for u in UNITS}


def _spread(key: str, n: int, lo: int, hi: int) -> list[int]:
    """``n`` day offsets between ``lo`` and ``hi`` (days ago), evenly spread with a stable jitter."""
    if hi <= lo:
        return [lo] * n
    out = []
    for j in range(n):
        centre = lo + (hi - lo) * (2 * j + 1) // (2 * n)
        jitter = _h(f"{key}:{j}") % 21 - 10
        out.append(min(hi, max(lo, centre + jitter)))
    return out


def silence_plan() -> dict[str, tuple[str, int | None]]:
    """Pairing code -> (mark, days since its newest record, None = nothing ever logged). Its
    newest record is an activity (``last_logged_on``, the silence rule), so the marks are the plan's.

    The two pairs the seed names (市农业局↔满天红村, 市水务局↔东兴村) are lively; the rest are
    ordered by a stable hash and cut into green, amber, red (old records) and never-logged.
    """
    codes = [pairing_code(i) for i in range(1, len(PAIRINGS) + 1)]
    plan: dict[str, tuple[str, int | None]] = {codes[0]: ("green", 3), codes[1]: ("green", 9)}
    rest = sorted(codes[2:], key=lambda c: _h("silence:" + c))
    cut = SILENCE_SPLIT
    _check(sum(cut.values()) == len(rest))
    a, b, c = cut["green"], cut["green"] + cut["amber"], cut["green"] + cut["amber"] + cut["red_old"]
    for code in rest[:a]:
        plan[code] = ("green", 1 + _h("last:" + code) % 28)
    for code in rest[a:b]:
        plan[code] = ("amber", 33 + _h("last:" + code) % 25)
    for code in rest[b:c]:
        plan[code] = ("red", 70 + _h("last:" + code) % 110)
    for code in rest[c:]:
        plan[code] = ("red", None)
    return plan


def pairing_demo(today):
    """The campaign and its records, every date counted back from ``today``.

    Returns a dict of lists of plain dicts (unit references are unit codes, pairing references
    pairing codes, dates are ``datetime.date``): ``campaign``, ``pairings``, ``contact_points``,
    ``visits`` (leader_visit inspections), ``inspections`` (kind inspection),
    ``rectifications``, ``help_pairs``.
    """
    import datetime as dt

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    plan = silence_plan()
    by_village = {v: (pairing_code(i), b) for i, (b, v) in enumerate(PAIRINGS, start=1)}
    pair_of = {pairing_code(i): (b, v) for i, (b, v) in enumerate(PAIRINGS, start=1)}

    def name(code):
        return _UNIT_BY_CODE[code]["name"]

    def township_of(village_code):
        return _UNIT_BY_CODE[village_code]["parent_code"]

    campaign = {**CAMPAIGN, "start_date": ago(CAMPAIGN_DAYS_BEFORE), "end_date": today + dt.timedelta(
        days=CAMPAIGN_DAYS_AFTER)}

    # --- pairings -------------------------------------------------------------------------------
    pairings = []
    for code, (b, v) in pair_of.items():
        liaison, secretary = _leader_of(b, "liaison"), _leader_of(v, "secretary")
        t_name, v_name, b_name = name(township_of(v)), name(v), name(b)
        goals = _BUREAU_GOALS.get(b) or tuple(
            sorted({_GOALS[_h(f"goal:{code}:{k}") % len(_GOALS)] for k in range(3)}, key=_GOALS.index))
        pairings.append({
            "code": code, "bureau_code": b, "village_code": v, "start_date": ago(PAIRINGS_DAYS_BEFORE),
            "end_date": None, "agreement_signed_on": ago(PAIRINGS_DAYS_BEFORE),
            "bureau_contact": liaison["name"], "bureau_phone": liaison["phone"],
            "village_contact": secretary["name"], "village_phone": secretary["phone"],
            "agreement": (
                f"{b_name}(帮建单位)与{t_name}{v_name}党组织(结对村)结对共建协议。"
                "双方围绕组织生活联过、党员队伍联建、活动载体联创、服务群众联做、党建资源联享、"
                f"城乡发展联促“六联”开展共建:{b_name}每季度到村开展一次共建活动,每年与村党组织"
                "联合召开一次民主生活会,建立联席会议制度;双方党员结成帮扶对子,公开承诺事项并接受"
                f"群众监督;{v_name}党组织提出发展需求和群众困难,配合落实帮扶项目。双方建立规范的"
                "共建工作台帐,记实记全。"
            ),
            "goals": "\n".join(f"{k}. {g}" for k, g in enumerate(goals, start=1)),
        })

    # Records below carry "days" (days ago); the pairing's newest record is fixed at the end.
    records: list[dict] = []

    # --- contact points and leaders' visits -----------------------------------------------------
    lively = {c for c, (mark, _d) in plan.items() if mark in ("green", "amber")}
    villages_in_order = [v for _b, v in PAIRINGS]
    cp_villages = [PAIRINGS[0][1]]
    for t_code, _t_name, _villages in TOWNSHIPS:
        candidates = [v for v in villages_in_order if township_of(v) == t_code and v not in cp_villages
                      and by_village[v][0] in lively]
        cp_villages.append(candidates[0])
    cp_villages.append(next(v for v in villages_in_order if township_of(v) == "TL-02"
                            and v not in cp_villages and by_village[v][0] in lively))
    _check(len(cp_villages) == len(STANDING_COMMITTEE))

    contact_points, visits = [], []
    leader_names = []
    for title, v in zip(STANDING_COMMITTEE, cp_villages, strict=True):
        leader = person_name("常委:" + title, female=title.endswith("统战部部长"))
        _check(leader not in leader_names, leader)
        leader_names.append(leader)
        contact_points.append({"leader_name": leader, "leader_title": title, "unit_code": v,
                               "since": ago(PAIRINGS_DAYS_BEFORE - 10),
                               "notes": f"市委常委联系点:{name(township_of(v))}{name(v)}"})
    n = 0
    for k, cp in enumerate(contact_points):
        v = cp["unit_code"]
        p_code = by_village[v][0]
        last = plan[p_code][1]
        count = _VISITS_PER_CONTACT_POINT[k]
        for j, days in enumerate(_spread(f"visit:{k}", count, last, RECORDS_MAX_DAYS - 20)):
            n += 1
            joint = j == 0 or (j == 1 and k < 2)
            companion = leader_names[(k + 3) % len(leader_names)]
            record = {
                "code": f"BJLBC-LV-{n:02d}", "kind": "leader_visit", "method": "", "unit_code": v,
                "pairing_code": p_code, "contact_point": (cp["leader_name"], v), "days": days,
                "visitors": 2 if joint else 1,
                "inspector": f"{cp['leader_name']}、{companion}" if joint else cp["leader_name"],
                "findings": _VISIT_NOTES[_h(f"visit-note:{n}") % len(_VISIT_NOTES)],
            }
            visits.append(record)
            records.append(record)
    _check(sum(x["visitors"] for x in visits) == LEADER_VISITS)

    # --- inspections (督查指导) and their rectification items -------------------------------------
    buckets: dict[str, list[str]] = {"green": [], "amber": [], "red": []}
    for code in sorted(plan, key=lambda c: _h("inspect:" + c)):   # spread over the townships
        mark, last = plan[code]
        if code in (pairing_code(1), pairing_code(2)) or last is None:
            continue
        buckets[mark].append(code)
    green, amber, red = buckets["green"], buckets["amber"], buckets["red"]
    p1, p2 = pairing_code(1), pairing_code(2)

    def at(p_code, side="village"):
        b, v = pair_of[p_code]
        return {"unit_code": v if side == "village" else b, "pairing_code": p_code}

    def last_of(p_code):
        return plan[p_code][1]

    group = person_name("推进组:组长")

    def insp(method, where, days, visitors, findings, rects=()):
        return {"method": method, **where, "days": days, "visitors": visitors, "findings": findings,
                "rects": list(rects)}

    # rects: (responsible: "village" | "bureau" | unit code, description, deadline after held_on,
    #         outcome: ("closed", days after held_on, evidence) | ("in_progress", progress) | ("open",))
    specs = [
        insp("tour", {"unit_code": "TL-02", "pairing_code": None}, 300, 3,
             "巡回检查双丰镇12个结对村活动启动情况:各村均已签订共建协议、建立共建工作台帐;个别村台帐记录过于简单。",
             [("TL-02", "督促辖区各结对村按统一格式规范共建工作台帐", 30,
               ("closed", 24, "镇党委组织委员逐村检查,12个结对村台帐均已按统一格式补充完善。"))]),
        insp("tour", {"unit_code": "TL-05", "pairing_code": None}, 255, 3,
             "巡回检查神树镇结对共建情况:帮建单位到村开展组织生活、送技术下乡等活动正常,群众反映较好。"),
        insp("regular_visit", {"unit_code": "TL-07", "pairing_code": None}, 190, 2,
             "定期走访王杨乡,听取乡党委关于结对共建和帮扶对子工作的汇报。"),
        insp("tour", {"unit_code": "TL-08", "pairing_code": None}, 130, 3,
             "巡回检查工农乡:部分结对单位到村开展活动次数偏少,个别承诺事项进度滞后。",
             [("TL-08", "对到村活动偏少的结对单位逐一约谈联络员,制定补课计划", 30,
               ("closed", 20, "乡党委约谈4个结对单位联络员,各单位已制定下半年到村活动计划并报组织部备案。"))]),
        insp("follow_up", at(p1), 50, 2,
             "跟踪督办市农业局与满天红村共建:冬季农闲到村过组织生活、科技培训6次已落实;"
             "台帐中3次培训缺少照片和成效数据,2户帮扶对子走访记录不全。",
             [("bureau", "补齐冬季科技培训的活动照片、参训人数和成效数据,录入共建工作台帐", 21,
               ("in_progress", "已补录1次培训的照片和参训人数,其余2次正在整理。")),
              ("village", "建立帮扶对子月度走访记录,每月至少走访一次", 30,
               ("closed", 14, "村党支部建立走访登记本,帮扶对子已按月登记走访情况并拍照存档。"))]),
        insp("spot_check", at(red[0]), last_of(red[0]), 2,
             "随机抽查:共建工作台帐近两个月没有新记录,结对双方未按协议召开联席会议。",
             [("bureau", "结对双方召开联席会议,研究制定下阶段共建计划并录入台帐", 20, ("open",))]),
        insp("spot_check", at(red[1]), last_of(red[1]), 2,
             "随机抽查:村级共建工作台帐不完整,部分共建活动只有通知没有记录。",
             [("village", "完善村级共建工作台帐,补录已开展的共建活动", 30,
               ("in_progress", "已补录2次活动,其余待帮建单位提供材料。"))]),
        insp("follow_up", at(amber[0], "bureau"), last_of(amber[0]), 2,
             "跟踪督办结对协议中承诺的村屯道路维修项目:资金已落实,施工尚未开始。",
             [("bureau", "落实协议承诺的村屯道路维修项目,每月报送进度", 120,
               ("in_progress", "已完成勘测设计,待上冻前完成路基施工。"))]),
        insp("regular_visit", at(green[0]), last_of(green[0]) + 20, 2,
             "定期走访:共建活动开展正常,台帐记录及时,群众对帮建单位评价较好。"),
        insp("spot_check", at(green[1]), max(last_of(green[1]), 100 + _h("g1") % 40), 2,
             "随机抽查:台帐规范,帮扶对子措施具体,未发现问题。"),
        insp("tour", at(p2, "bureau"), 200, 3,
             "巡回检查市水务局:党员带头的工程技术维护队帮助结对村打井、检修机井和涵闸,"
             "清除沟渠积雪淤泥1000方、疏通桥涵1500米;尚有3眼机井未检修。",
             [("bureau", "对结对村剩余3眼机井完成检修并建立机井维护台帐", 40,
               ("closed", 35, "3眼机井已全部检修完毕,建立机井维护台帐,春灌用水有保障。"))]),
        insp("follow_up", at(amber[1]), last_of(amber[1]), 2,
             "跟踪督办上次检查发现的问题:公开承诺事项的办理进度未向群众公开。",
             [("village", "在村务公开栏公开承诺事项及办理进度,接受群众监督", 25, ("open",))]),
        insp("regular_visit", at(green[2], "bureau"), max(last_of(green[2]), 75), 2,
             "定期走访帮建单位,了解为结对村争取项目资金和协调农业贷款情况。"),
        insp("tour", at(green[3]), max(last_of(green[3]), 160), 3,
             "巡回检查:村级活动场所一室多用,但党员活动室、妇女之家、青年之家标识不全。",
             [("village", "补充党员活动室、妇女之家、青年之家标牌和制度上墙", 30,
               ("closed", 18, "标牌和制度已全部上墙,照片已录入台帐。"))]),
        insp("spot_check", at(green[4]), max(last_of(green[4]), 40), 2,
             "随机抽查:帮建单位提供的致富信息未及时向村民公布。",
             [("bureau", "在村务公开栏和村民微信群及时公布致富信息和用工信息", 60, ("open",))]),
        insp("regular_visit", at(amber[2]), last_of(amber[2]) + 30, 2,
             "定期走访:结对双方联合召开了民主生活会,帮扶对子措施落实。"),
    ]
    _check(len(specs) == INSPECTIONS)
    inspections = []
    for k, spec in enumerate(specs, start=1):
        record = {"code": f"BJLBC-DC-{k:02d}", "kind": "inspection", "contact_point": None,
                  "inspector": f"{group}等{spec['visitors']}人(活动推进组)", **spec}
        inspections.append(record)
        if record["pairing_code"]:
            records.append(record)

    # --- help pairs (帮扶对子) -------------------------------------------------------------------
    eligible = [c for c in pair_of if plan[c][1] is not None]
    counts = {c: 1 + _h("help-count:" + c) % 3 for c in eligible}
    counts[p1] = 4
    adjustable = sorted((c for c in eligible if c != p1), key=lambda c: _h("help-adjust:" + c))
    while sum(counts.values()) > HELP_PAIRS:
        c = next(c for c in adjustable if counts[c] > 1)
        counts[c] -= 1
        adjustable.append(adjustable.pop(adjustable.index(c)))
    while sum(counts.values()) < HELP_PAIRS:
        c = next(c for c in adjustable if counts[c] < 3)
        counts[c] += 1
        adjustable.append(adjustable.pop(adjustable.index(c)))
    help_pairs = []
    kinds = ("poor",) * 12 + ("special_difficulty",) * 5 + ("member_in_difficulty",) * 3
    for p_code in eligible:
        b, v = pair_of[p_code]
        mark, last = plan[p_code]
        lo = min(last + 40, RECORDS_MAX_DAYS) if mark == "red" else last
        korean = township_of(v) == "TL-06"
        for j in range(1, counts[p_code] + 1):
            code = f"BJLBC-HP-{v}-{j}"
            h = _h(code)
            from_bureau = h % 3 == 0
            days = lo + (h // 7) % (RECORDS_MAX_DAYS - lo + 1)
            m1, m2 = h % len(_HELP_MEASURES), (h // 13) % len(_HELP_MEASURES)
            measures = _HELP_MEASURES[m1] + ("" if m1 == m2 else ";" + _HELP_MEASURES[m2])
            status = "lifted" if days > 240 and h % 3 == 1 else "ended" if h % 37 == 0 else "active"
            record = {
                "code": code, "village_code": v, "pairing_code": p_code,
                "member_name": person_name(code + ":党员", female=h % 4 == 0, korean=korean and not from_bureau),
                "member_unit_code": b if from_bureau else v,
                "household_name": person_name(code + ":户主", female=h % 5 == 0, korean=korean and h % 2 == 0),
                "household_kind": kinds[(h // 101) % len(kinds)], "measures": measures, "status": status,
                "days": days,
            }
            help_pairs.append(record)
            records.append(record)
    _check(len(help_pairs) == HELP_PAIRS)

    # --- each pairing's newest record is exactly on its planned day -----------------------------
    by_pairing: dict[str, list[dict]] = {}
    for r in records:
        by_pairing.setdefault(r["pairing_code"], []).append(r)
    for p_code, rs in by_pairing.items():
        last = plan[p_code][1]
        _check(last is not None and all(r["days"] >= last for r in rs), p_code)
        if not any(r["days"] == last for r in rs):
            movable = [r for r in rs if r.get("kind") != "inspection"] or rs
            min(movable, key=lambda r: (r["days"], r["code"]))["days"] = last

    for r in [*visits, *inspections]:
        r["held_on"] = ago(r.pop("days"))
    for r in help_pairs:
        r["started_on"] = ago(r.pop("days"))

    rectifications = []
    for r in inspections:
        b, v = pair_of[r["pairing_code"]] if r["pairing_code"] else (None, None)
        for who, description, after, outcome in r.pop("rects"):
            responsible = {"village": v, "bureau": b}.get(who, who)
            item = {"inspection_code": r["code"], "description": description, "responsible_code": responsible,
                    "deadline": r["held_on"] + dt.timedelta(days=after), "status": outcome[0],
                    "progress": "", "closed_on": None, "evidence": ""}
            if outcome[0] == "closed":
                item["closed_on"] = min(r["held_on"] + dt.timedelta(days=outcome[1]), today)
                item["evidence"] = outcome[2]
                item["progress"] = "已按要求整改,提交销号申请。"
            elif outcome[0] == "in_progress":
                item["progress"] = outcome[1]
            rectifications.append(item)
    overdue = [x for x in rectifications if x["status"] != "closed" and x["deadline"] < today]
    _check(len(overdue) >= 3 and any(x["responsible_code"] in PAIRINGS[0] for x in overdue))

    return {"campaign": campaign, "pairings": pairings, "contact_points": contact_points, "visits": visits,
            "inspections": inspections, "rectifications": rectifications, "help_pairs": help_pairs,
            "plan": plan}
