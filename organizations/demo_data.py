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

Village and bureau names beyond those in the seed are invented but plausible; member counts are
invented so that the county's totals look like a real 县级市 (seed 000 quotes 4,738 rural
members for a banner with 148 villages; 铁力市 has 76 villages, so about 3,700).
"""

from __future__ import annotations

import hashlib

DEMO_PASSWORD = "cobuild-demo"
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

    assert len(villages) == 76, len(villages)
    assert len(BUREAUS) == 76, len(BUREAUS)
    assert len({name for _, name in villages}) == 76, "village names must be unique in the county"

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

# Permissions of the staff group (app label "organizations"): view/add/change on the tree models,
# view on import jobs.
STAFF_GROUP_PERMISSIONS = (
    *(f"{verb}_{model}" for model in ("unit", "organization", "leader", "rolegrant")
      for verb in ("view", "add", "change")),
    "view_importjob",
)
