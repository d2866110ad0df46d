"""The indicator catalogue of CONTRACT.md §4, shipped as data (see migration 0003)."""

# (order, code, name, unit, kind, definition, max_per_activity, is_money)
CATALOGUE = [
    (1, "pairings", "结对共建对子", "个", "count", "范围内的结对(可按活动筛选)", None, False),
    (2, "activities", "共建活动", "次", "count", "范围内的活动", None, False),
    (3, "org_life_sessions", "开展党组织活动", "场次", "count", "类别为组织生活的活动", None, False),
    (4, "democratic_life_meetings", "联合召开民主生活会", "次", "count", "类别为民主生活会的活动", None, False),
    (5, "tech_visits", "送技术下乡", "次", "count", "类别为送科技下乡的活动", None, False),
    (6, "commitments_made", "承诺事项", "项", "count", "未取消的承诺", None, False),
    (7, "commitments_done", "已完成承诺", "项", "count", "已完成的承诺", None, False),
    (8, "commitment_rate", "承诺完成率", "%", "rate", "已完成 ÷ 承诺事项 × 100", None, False),
    (9, "leader_visits", "领导深入联系点", "人次", "count", "领导联系点走访的人次之和", None, False),
    (10, "inspections", "督查指导", "次", "count", "督查指导次数", None, False),
    (11, "systems_established", "健全制度", "项", "outcome", "活动填报", 50, False),
    (12, "joint_meeting_systems", "建立联席会议制度", "项", "outcome", "活动填报", 10, False),
    (13, "help_pairs", "结成帮扶对子", "个", "outcome", "活动填报", 200, False),
    (14, "activists_added", "新增入党积极分子", "名", "outcome", "活动填报", 100, False),
    (15, "households_visited", "走访贫困户", "户", "outcome", "活动填报", 500, False),
    (16, "relief_money", "发放慰问金", "元", "outcome", "活动填报", 1000000, True),
    (17, "problems_solved", "解决群众关心的问题", "件", "outcome", "活动填报", 500, False),
    (18, "agent_services", "为群众代理服务", "项", "outcome", "活动填报", 500, False),
    (19, "project_funds", "争取项目资金", "元", "outcome", "活动填报", 100000000, True),
    (20, "projects_introduced", "引进项目", "个", "outcome", "活动填报", 50, False),
    (21, "construction_funds", "投入建设资金", "元", "outcome", "活动填报", 100000000, True),
    (22, "loans_coordinated", "协调农业贷款", "元", "outcome", "活动填报", 100000000, True),
    (23, "plans_drafted", "制定发展规划", "个", "outcome", "活动填报", 20, False),
    (24, "info_posts", "发布致富信息", "条", "outcome", "活动填报", 1000, False),
    (25, "labour_transferred", "转移农村劳动力", "人", "outcome", "活动填报", 5000, False),
    (26, "demo_bases", "建立培训示范基地", "个", "outcome", "活动填报", 20, False),
    (27, "coops_formed", "组建专业合作经济组织", "个", "outcome", "活动填报", 20, False),
    (28, "people_trained", "培训人次", "人次", "outcome", "活动填报", 10000, False),
    (29, "satisfaction_party_org", "群众对基层党组织满意率", "%", "rate",
     "(满意+基本满意) ÷ 票数 × 100,测评对象为基层党组织", None, False),
    (30, "satisfaction_cobuild", "对共建单位满意率", "%", "rate", "同上,测评对象为共建单位", None, False),
]

# Summary keys that are not outcome indicators: the survey numerators and denominators behind the
# two rates, and record counts shown beside reported outcomes (joint meetings held from the
# meeting records; help pairs from the register are counted live).
INTERNAL_KEYS = frozenset({
    "sat_party_org_ok", "sat_party_org_ballots", "sat_cobuild_ok", "sat_cobuild_ballots",
    "joint_meetings_held", "help_pairs_registered", "pairings_started", "pairings_ended",
    "activists_registered", "commitments_open",
})
# Codes an outcome indicator may not take: the catalogue's counts and rates and the internal keys.
RESERVED_CODES = frozenset(code for _o, code, _n, _u, kind, *_rest in CATALOGUE if kind != "outcome") | INTERNAL_KEYS
