"""Seed 004's year of campaign work for the demo county: activities with outcomes, public
commitments and the July democratic appraisal, as import rows (CONTRACT.md §3 columns).

The totals are exactly the results table of seed 004 (CONTRACT.md §4): 66 org-life sessions,
76 democratic life meetings, 32 tech visits, 231 commitments of which 182 done, the outcome sums
(11 systems, 76 joint-meeting systems, 144 help pairs, 142 activists, 201 households, 40,200 yuan,
242 problems, 127 agent services, 1,280,000 yuan project funds, 10 projects, 800,000 yuan
construction funds, 2,870,000 yuan loans, 37 plans, 350 posts, 1,560 labourers, 16 bases,
11 co-operatives) and 97.63% / 98.55% satisfaction. Dates count back from the demo's "today" and
never make a pairing look livelier than the silence plan of ``demo.data``: a
pairing's records are all older than its planned newest record, and the never-logged pairings'
records are kept at their village without the pairing link.

``seed_demo`` loads these rows through the importer; ``demo_csv`` writes them (and the tree,
campaign, pairings and inspections) as CSV files for ``import_data``.
"""

from __future__ import annotations

import datetime as dt

from demo import data as dd

SLUG = dd.CAMPAIGN_SLUG
OLDEST = dd.RECORDS_MAX_DAYS

# Outcome totals of seed 004 and the activity categories that report them.
OUTCOME_PLAN = [
    # (category, number of activities, {indicator: total}, titles)
    ("org_life", 66, {"activists_added": 142, "systems_established": 11},
     ("结对双方党员共过组织生活", "联合主题党日活动", "结对支部共上党课、共过组织生活")),
    ("democratic_life_meeting", 76, {"joint_meeting_systems": 76},
     ("结对双方联合召开民主生活会",)),
    ("tech_to_countryside", 32, {"info_posts": 350},
     ("农业技术专家送科技下乡", "春耕备耕技术培训", "蓝莓、食用菌种植技术讲座")),
    ("visit_condolence", 40, {"households_visited": 201, "relief_money": 40200, "help_pairs": 144},
     ("走访慰问贫困户和困难党员", "节日走访慰问", "党员结对帮扶走访")),
    ("project_support", 24, {"project_funds": 1280000, "projects_introduced": 10, "construction_funds": 800000,
                             "loans_coordinated": 2870000, "plans_drafted": 37, "coops_formed": 11,
                             "demo_bases": 16, "labour_transferred": 1560},
     ("帮助争取项目资金", "协调农业贷款", "帮助研究制定村发展规划", "组建专业合作社、建立培训示范基地",
      "劳动力转移就业对接会")),
    ("policy_law_to_countryside", 30, {"agent_services": 127, "problems_solved": 242},
     ("送政策送法律进村", "为群众代理服务、解决群众关心的问题", "矛盾纠纷排查化解")),
    ("party_lecture", 12, {}, ("“发展现代农业,促进农民增收”专题辅导报告", "创先争优专题党课")),
    ("culture_to_countryside", 10, {}, ("送文化下乡文艺演出", "农家书屋赠书")),
    ("health_to_countryside", 8, {}, ("义诊送医送药", "健康知识讲座")),
    ("volunteer_service", 10, {}, ("党员志愿服务", "清雪除冰志愿服务")),
]
COMMITMENTS = {"done": 182, "in_progress": 30, "pending": 19, "cancelled": 3}
# (satisfied + basically satisfied, ballots) → 97.63% and 98.55%.
SURVEYS = {"party_org": (1320, 1352), "cobuild": (1358, 1378)}
SURVEY_DAYS_AGO = 130   # "今年七月份" — the July appraisal
_COMMITMENT_TEXTS = (
    "帮助结对村硬化村屯道路", "为结对村党员活动室添置桌椅和电教设备", "帮助修建村文化广场",
    "每季度到村开展一次共建活动", "帮助引进一个种养殖项目", "协调解决春耕生产资金",
    "为村小学捐赠图书和学习用品", "帮助贫困户解决子女就学困难", "帮助维修村内机井和灌溉设施",
    "为村民提供用工信息,帮助转移就业", "帮助建立村级科技示范户", "为困难党员送温暖",
)


def split(total: int, n: int, key: str) -> list[int]:
    """``total`` split into ``n`` non-negative integers with stable, uneven weights."""
    if n <= 0:
        return []
    weights = [1 + dd._h(f"{key}:{i}") % 5 for i in range(n)]
    s = sum(weights)
    parts = [total * w // s for w in weights]
    for i in range(total - sum(parts)):
        parts[i % n] += 1
    return parts


def _money(total: int, n: int, key: str) -> list[int]:
    """Money in whole hundreds of yuan."""
    return [p * 100 for p in split(total // 100, n, key)]


def year_rows(today: dt.date) -> dict[str, list[dict]]:
    """{"activities": [...], "commitments": [...], "surveys": [...]} as import rows."""
    plan = dd.silence_plan()
    pairs = [(dd.pairing_code(i), b, v) for i, (b, v) in enumerate(dd.PAIRINGS, start=1)]
    logged = [p for p in pairs if plan[p[0]][1] is not None]

    def ago(days: int) -> str:
        return (today - dt.timedelta(days=days)).isoformat()

    def when(code: str, key: str, pairing_linked: bool) -> int:
        """Days ago for a record of the pairing ``code``: never newer than its planned last day."""
        last = plan[code][1] if pairing_linked else 20
        lo = max(last or 20, 20)
        return lo + dd._h(key) % (OLDEST - lo + 1)

    activities = []
    n = 0
    seen: set[str] = set()   # each logged pairing's first activity falls on its planned last day
    for category, count, outcomes, titles in OUTCOME_PLAN:
        # Democratic life meetings: one per pairing, all 76; the others go round the pairings.
        pool = pairs if category == "democratic_life_meeting" else logged
        start = dd._h("start:" + category) % len(pool)
        chosen = [pool[(start + k * 7) % len(pool)] for k in range(count)]
        values = {}
        for code, total in outcomes.items():
            active = max(1, min(count, total if total < count else count))
            per = (_money(total, active, f"{category}:{code}") if code in ("relief_money", "project_funds",
                   "construction_funds", "loans_coordinated") else split(total, active, f"{category}:{code}"))
            values[code] = per + [0] * (count - active)
        for k, (p_code, b, v) in enumerate(chosen):
            n += 1
            linked = plan[p_code][1] is not None
            at_bureau = category in ("project_support",) and k % 3 == 0
            days = when(p_code, f"act:{n}", linked)
            if linked and p_code not in seen:
                seen.add(p_code)
                days = plan[p_code][1]
            row = {
                "code": f"BJLBC-A-{n:03d}", "campaign": SLUG,
                "date": ago(days),
                "unit_code": b if at_bureau else v, "pairing_code": p_code if linked else "",
                "category": category, "title": titles[k % len(titles)],
                "participants": 12 + dd._h(f"people:{n}") % 60,
            }
            for code, per in values.items():
                row[code] = per[k] if per[k] else ""
            activities.append(row)

    commitments = []
    statuses = [s for s, c in COMMITMENTS.items() for _ in range(c)]
    statuses.sort(key=lambda s: dd._h("cmt-status:" + s + str(statuses.count(s))))
    order = sorted(range(len(statuses)), key=lambda i: dd._h(f"cmt-order:{i}"))
    for k, i in enumerate(order, start=1):
        status = statuses[i]
        p_code, b, v = pairs[k % len(pairs)]
        linked = plan[p_code][1] is not None
        made = max(when(p_code, f"cmt:{k}", linked), 60)
        due = made - 30 - dd._h(f"due:{k}") % 120
        row = {
            "code": f"BJLBC-C-{k:03d}", "campaign": SLUG, "unit_code": b if k % 2 else v,
            "pairing_code": p_code if linked else "", "content": _COMMITMENT_TEXTS[dd._h(f"text:{k}") %
                                                                                  len(_COMMITMENT_TEXTS)],
            "made_on": ago(made), "due_date": ago(due) if due > -200 else "",
            "status": status, "completed_on": "",
        }
        if status == "done":
            row["completed_on"] = ago(max(made - 10 - dd._h(f"done:{k}") % 90, 1))
        commitments.append(row)

    surveys = []
    townships = [t[0] for t in dd.TOWNSHIPS]
    for subject, (ok, ballots) in SURVEYS.items():
        per_ballots = split(ballots, len(townships), f"ballots:{subject}")
        # Each township's "ok" in proportion to its ballots; the rounding goes to the largest.
        per_ok = [b * ok // ballots for b in per_ballots]
        biggest = sorted(range(len(townships)), key=lambda x: -per_ballots[x])
        for i in range(ok - sum(per_ok)):
            per_ok[biggest[i % len(biggest)]] += 1
        for j, t in enumerate(townships):
            basically = per_ok[j] // 9
            surveys.append({
                "code": f"BJLBC-S-{subject}-{t}", "campaign": SLUG, "unit_code": t, "subject": subject,
                "held_on": ago(SURVEY_DAYS_AGO), "satisfied": per_ok[j] - basically,
                "basically_satisfied": basically, "dissatisfied": per_ballots[j] - per_ok[j],
            })
    surveys += _last_year_surveys(townships, ago)
    return {"activities": activities, "commitments": commitments, "surveys": surveys}


#: a 测评对象 beyond seed 004's two (subjects are data): the villagers' appraisal of their 村委会,
#: this year and last, per township. It has no catalogue indicator, so seed 004's figures stay.
EXTRA_SUBJECT = ("village_committee", "对村民委员会")


def extra_subject_surveys(today: dt.date) -> list[dict]:
    """Both years' tallies of ``EXTRA_SUBJECT`` per township (seed_demo imports them after adding
    the subject; the CSV files of ``demo_csv`` keep to the contract's two, so they import into an
    empty database)."""
    def ago(days: int) -> str:
        return (today - dt.timedelta(days=days)).isoformat()

    townships = [t[0] for t in dd.TOWNSHIPS]
    code = EXTRA_SUBJECT[0]
    rows = []
    for years_ago, tag in ((0, "S"), (1, "SL")):
        for t in townships:
            ballots = 120 + dd._h(f"vc-ballots:{tag}:{t}") % 80
            bad = 2 + dd._h(f"vc-bad:{tag}:{t}") % 9
            basically = ballots // 10
            rows.append({
                "code": f"BJLBC-{tag}-{code}-{t}", "campaign": SLUG, "unit_code": t, "subject": code,
                "held_on": ago(SURVEY_DAYS_AGO + 365 * years_ago), "satisfied": ballots - bad - basically,
                "basically_satisfied": basically, "dissatisfied": bad,
            })
    return rows


def _last_year_surveys(townships: list[str], ago) -> list[dict]:
    """Last year's July appraisal in every township (民主测评同比): per township its own share
    (some better, some worse than this year), but county totals in exactly this year's
    proportion (1320 : 1352 and 1358 : 1378), so seed 004's rates stay 97.63 % and 98.55 %
    over any period that holds both years."""
    rows = []
    for subject, (ok, ballots) in SURVEYS.items():
        per_ballots = split(ballots, len(townships), f"ballots-last:{subject}")
        per_ok = [b * ok // ballots for b in per_ballots]
        for j, t in enumerate(townships):   # a stable shift per township, within its ballots
            per_ok[j] = min(per_ballots[j], max(0, per_ok[j] + dd._h(f"last:{subject}:{t}") % 9 - 4))
        step, j = (1 if sum(per_ok) < ok else -1), 0
        while sum(per_ok) != ok:            # back to the county's total, one ballot at a time
            k = j % len(townships)
            if 0 <= per_ok[k] + step <= per_ballots[k]:
                per_ok[k] += step
            j += 1
        for j, t in enumerate(townships):
            basically = per_ok[j] // 8
            rows.append({
                "code": f"BJLBC-SL-{subject}-{t}", "campaign": SLUG, "unit_code": t, "subject": subject,
                "held_on": ago(SURVEY_DAYS_AGO + 365), "satisfied": per_ok[j] - basically,
                "basically_satisfied": basically, "dissatisfied": per_ballots[j] - per_ok[j],
            })
    return rows


def to_csv(rows: list[dict]) -> bytes:
    import csv
    import io

    columns: list[str] = []
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")
