"""The four evaluation schemes of seeds 001 and 002, as data: ``load_schemes`` writes (or leaves
as they are) the schemes and their criteria through the services. The demo calls it; a county
adjusts weights and wording in the admin afterwards.

Criterion rows: (name, description, weight, indicator codes, full marks at).
"""

from __future__ import annotations

from . import services

SCHEMES = [
    {
        "code": "wgh", "name": "“五个好”先进集体", "kind": "unit", "award_title": "“五个好”先进集体",
        "eligible_unit_kinds": "village,community,enterprise,bureau,school,social_org",
        "description": "创先争优活动中,基层党组织和工会、共青团、妇联组织依照法律和章程创造性地开展工作,"
                       "出色履行职能作用,努力做到“五个好”。",
        "criteria": [
            ("领导班子好", "政治坚定、求真务实、开拓创新、团结协调、廉洁自律、群众信赖。", 20, "", None),
            ("队伍建设好", "群众组织工作者队伍政治素质高、岗位技能优、工作效率高。", 20, "org_life_sessions", 6),
            ("工作机制好", "规章制度完善、管理措施到位,保证各项工作统筹兼顾、顺畅运行。", 20,
             "systems_established,joint_meeting_systems", 4),
            ("工作业绩好", "围绕中心、服务大局、服务群众,维护职工、团员青年、妇女群众合法权益,创造一流业绩。", 20,
             "activities", 20),
            ("群众反映好", "组织威信高、形象好、口碑佳,受到群众拥护,得到社会认可。", 20, "satisfaction_party_org", 100),
        ],
    },
    {
        "code": "wbb", "name": "“五标兵”先进个人", "kind": "person", "award_title": "“五标兵”先进个人",
        "eligible_statuses": "",
        "description": "模范履行章程规定的义务,努力争当“五标兵”。",
        "criteria": [
            ("自觉学习的标兵", "学习新知识、新技能,不断提高政治素质和业务素质。", 20, "", None),
            ("执行政策的标兵", "积极响应组织号召,坚决把组织要求和各项规定落到实处。", 20, "", None),
            ("服务群众的标兵", "主动联系职工、团员青年和妇女,经常性开展志愿服务,为群众解难题、办实事。", 20, "", None),
            ("爱岗敬业的标兵", "在本职岗位上埋头苦干、开拓创新、勇挑重担,带头争创佳绩。", 20, "", None),
            ("遵纪守法的标兵", "自觉遵守国家法律法规,带头弘扬正气、维护稳定,争当文明守法好公民。", 20, "", None),
        ],
    },
    {
        "code": "wh", "name": "“五好”基层党组织", "kind": "unit", "award_title": "“五好”村党支部",
        "eligible_unit_kinds": "village,community,township",
        "description": "通过“三级联创”评选“五好乡镇党委”“五好村党支部”:围绕争创“五好”目标,加强乡村两级班子和"
                       "干部队伍建设,落实民主集中制、政务公开、勤政廉政等制度。",
        "criteria": [
            ("领导班子好", "班子团结、坚强有力,带领群众致富的能力强。", 25, "", None),
            ("党员干部队伍好", "党员队伍结构合理,作用发挥好,积极发展党员。", 20, "activists_added", 3),
            ("工作机制好", "民主集中制、政务公开、勤政廉政等制度健全并落实。", 20, "systems_established", 2),
            ("小康建设业绩好", "发展思路清、项目资金落实、群众增收明显。", 20, "projects_introduced", 2),
            ("农民群众反映好", "群众满意率高。", 15, "satisfaction_party_org", 100),
        ],
    },
    {
        "code": "sfd", "name": "县级党建工作示范点", "kind": "unit", "award_title": "县级党建工作示范点",
        "eligible_unit_kinds": "village,community,enterprise,bureau,school,social_org",
        "description": "从农村、社区、机关、企事业单位和社会中介组织中筛选党组织,培育成县级党建工作示范点,"
                       "以点带面,层层推进。",
        "criteria": [
            ("组织设置规范", "党组织和工会、共青团、妇联组织健全,党建带群建。", 20, "", None),
            ("阵地建设规范", "活动场所、标识、制度上墙,一室多用。", 20, "", None),
            ("制度落实到位", "“三会一课”、联席会议等制度经常化。", 20, "joint_meeting_systems", 1),
            ("活动开展经常", "组织生活和共建活动经常、有实效。", 20, "org_life_sessions", 6),
            ("示范作用明显", "经验可复制,群众满意。", 20, "satisfaction_party_org", 100),
        ],
    },
]


def load_schemes(actor=None) -> dict[str, object]:
    """The schemes by code, created or brought up to date (a second run writes nothing)."""
    out = {}
    for row in SCHEMES:
        scheme, _ = services.scheme_save(
            actor=actor, code=row["code"], name=row["name"], kind=row["kind"], award_title=row["award_title"],
            eligible_unit_kinds=row.get("eligible_unit_kinds", ""), eligible_statuses=row.get("eligible_statuses", ""),
            description=row["description"])
        for order, (name, description, weight, codes, full_at) in enumerate(row["criteria"], start=1):
            services.criterion_save(actor=actor, scheme=scheme, order=order, name=name, description=description,
                                    weight=weight, indicator_codes=codes, full_at=full_at)
        out[row["code"]] = scheme
    return out
