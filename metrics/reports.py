"""What only the report pages show: the bulletin's text, the village list with secretaries, the
appraisal tallies and the assessment's weighted scores.

Every number comes from :mod:`metrics.figures` (figures, drill-down, rankings, completeness,
silence and the default period), which the dashboard, the workbook and ``export_metrics`` read
too, so the pages agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, OuterRef, Subquery

from campaigns.models import Indicator, IndicatorKind, Survey, subject_choices
from organizations import records
from organizations.models import Leader, Position, Unit

from . import figures
from .assessment import rank_by_score, share_of_best
from .figures import AreaRate, Silence, indicators, q2
from .selectors import Figure


def area_word(unit) -> str:
    """"全市" for 铁力市, "全县" for a 县, "全镇" for a 镇 ... (the bulletin's voice)."""
    for ch in ("市", "县", "区", "旗", "镇", "乡", "街道", "村", "社区", "局"):
        if unit.name.endswith(ch):
            return f"全{ch}"
    return "全" + {"province": "省", "city": "市", "county": "县", "township": "乡镇"}.get(unit.kind, "单位")


# --- villages ----------------------------------------------------------------------------------------

def _secretary(field_name):
    return Subquery(Leader.objects.filter(unit=OuterRef("pk"), position=Position.SECRETARY)
                    .order_by("pk").values(field_name)[:1])


def village_list(unit, user):
    """The villages under ``unit``, township first, with their secretary's name and phone."""
    return (figures.villages_under(unit, user).select_related("parent")
            .annotate(secretary=_secretary("name"), secretary_phone=_secretary("phone"))
            .order_by("parent__sort_order", "parent__name", "sort_order", "name"))


# --- bulletin --------------------------------------------------------------------------------------

def _n(fig: Figure | None) -> str:
    return fig.text if fig is not None and fig.text != "" else "0"


def _outcome(f: Figure, summary: figures.Summary | None) -> str:
    text = f"{f.indicator.name}{f.text}{f.indicator.unit}"
    if summary is not None and f.indicator.code == "help_pairs":
        text += f"(帮扶对子台账登记{summary.help_pairs_registered}个{',填报与台账不一致' if summary.help_pairs_disagree else ''})"
    return text


def summary_text(unit, figs: dict[str, Figure], silence: Silence | None = None,
                 rates: AreaRate | None = None, summary: figures.Summary | None = None) -> list[str]:
    """A short summary in Chinese built from the figures (paragraphs); with ``summary``, the
    help-pair register beside the reported help pairs and the joint meetings held."""
    word = area_word(unit)
    g = figs.get
    parts = [f"{word}{_n(g('pairings'))}个结对单位共开展共建活动{_n(g('activities'))}次"]
    detail = [f"{f.indicator.name}{f.text}{f.indicator.unit}" for code in
              ("org_life_sessions", "democratic_life_meetings", "tech_visits")
              if (f := g(code)) is not None and f.value]
    first = parts[0] + ("，其中" + "、".join(detail) if detail else "")
    sentences = [first]
    made, done, rate = g("commitments_made"), g("commitments_done"), g("commitment_rate")
    if made is not None and made.value:
        sentences.append(f"承诺事项{_n(made)}项，已完成{_n(done)}项，完成率{rate.text}%")
    visits = [f"{f.indicator.name}{f.text}{f.indicator.unit}" for code in ("leader_visits", "inspections")
              if (f := g(code)) is not None and f.value]
    if summary is not None and summary.joint_meetings_held:
        visits.append(f"召开联席会议{summary.joint_meetings_held}次")
    if visits:
        sentences.append("、".join(visits))
    outcomes = [_outcome(f, summary) for f in figs.values()
                if f.indicator.kind == IndicatorKind.OUTCOME and f.value]
    if outcomes:
        sentences.append("共建成效方面，" + "、".join(outcomes[:6]))
    sat = []
    for code, who in (("satisfaction_party_org", "群众对基层党组织满意率"), ("satisfaction_cobuild", "对共建单位满意率")):
        f = g(code)
        if f is not None and f.value is not None:
            sat.append(f"{who}{f.text}%(有效票{int(f.denominator)}张)")
    if sat:
        sentences.append("民主测评中，" + "、".join(sat))
    paras = ["；".join(sentences) + "。"]
    tail = []
    if rates is not None and rates.villages:
        tail.append(f"{rates.villages}个村(社区)中有{rates.logged}个在本期填报了活动，填报率{rates.rate}%")
    if silence is not None and (silence.villages_silent or silence.pairs["silent"]):
        tail.append(f"截至{silence.as_of.month}月{silence.as_of.day}日，{silence.villages_silent}个村(社区)、"
                    f"{silence.pairs['silent']}个结对超过{silence.days}天没有开展共建活动，请相关单位抓紧落实")
    if tail:
        paras.append("；".join(tail) + "。")
    return paras


# --- appraisal tallies -----------------------------------------------------------------------------

def surveys_for(user, unit=None, campaign=None, date_from=None, date_to=None):
    qs = Survey.objects.for_user(user).with_subject_name().select_related("unit", "campaign")
    if date_from:
        qs = qs.filter(held_on__gte=date_from)
    if date_to:
        qs = qs.filter(held_on__lte=date_to)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.order_by("-held_on", "code")


def satisfaction(unit, campaign=None, date_from=None, date_to=None) -> list[Figure]:
    """The two satisfaction figures (rate, satisfied + basically, ballots) for a unit's scope."""
    return figures.figures(unit, campaign, date_from, date_to, indicators(["satisfaction_party_org",
                                                                          "satisfaction_cobuild"]))


# --- assessment ------------------------------------------------------------------------------------

DEFAULT_WEIGHTS = {
    "activities": 25,
    "org_life_sessions": 15,
    "commitment_rate": 20,
    "problems_solved": 15,
    "satisfaction_party_org": 15,
    "satisfaction_cobuild": 10,
}


@dataclass
class Part:
    figure: Figure
    weight: Decimal
    norm: Decimal                 # 0..100 against the best unit
    points: Decimal               # weighted points out of the weight share of 100
    gap: Decimal = Decimal(0)     # points behind the leader on this indicator


@dataclass
class Scored:
    unit: Unit
    parts: list[Part]
    score: Decimal
    rank: int = 0
    behind: Decimal = Decimal(0)  # points behind the leader

    @property
    def drags(self) -> list[Part]:
        """Indicators that pull the unit down against the leader, largest gap first."""
        return sorted([p for p in self.parts if p.gap > 0], key=lambda p: -p.gap)

    @property
    def leads(self) -> list[Part]:
        return sorted([p for p in self.parts if p.gap < 0], key=lambda p: p.gap)


def assess(unit, user, level, weights: dict[str, Decimal], campaign, date_from, date_to,
           verified_only=False) -> tuple[list[Scored], dict]:
    """Weighted scores of the units of ``level`` under ``unit``: each indicator normalised as the
    unit's value ÷ the best value among the units × 100, the score the weighted mean (0–100).
    Returns the ranking and {code: best value}. Three queries."""
    weights = {k: Decimal(w) for k, w in weights.items() if w and Decimal(w) > 0}
    inds = indicators(weights)
    total_w = sum(weights.get(i.code, Decimal(0)) for i in inds)
    units = list(figures.level_units(unit, user, level).order_by("sort_order", "name"))
    figs = figures.unit_figures(units, campaign, date_from, date_to, inds, verified_only)
    best = {i.code: max((f.value for fs in figs.values() for f in fs
                         if f.indicator.code == i.code and f.value is not None), default=None) for i in inds}
    scored = []
    for u in units:
        parts = []
        for f in figs[u.pk]:
            b, w = best[f.indicator.code], weights[f.indicator.code]
            norm = share_of_best(f.value, b)
            parts.append(Part(f, w, norm, q2(norm * w / total_w) if total_w else Decimal(0)))
        scored.append(Scored(u, parts, q2(sum((p.points for p in parts), Decimal(0)))))
    scored.sort(key=lambda s: (-s.score, s.unit.name))
    rank_by_score(scored)
    if scored:
        leader = scored[0]
        for s in scored:
            s.behind = leader.score - s.score
            for p, lp in zip(s.parts, leader.parts, strict=True):
                p.gap = lp.points - p.points
    return scored, best


# --- 民主测评 year on year ---------------------------------------------------------------------------

@dataclass
class SubjectYears:
    code: str
    label: str
    now: Figure
    last: Figure

    @property
    def change(self) -> Decimal | None:
        """Points up (+) or down (−) against last year; None when either year has no ballots."""
        if self.now.value is None or self.last.value is None:
            return None
        return q2(self.now.value) - q2(self.last.value)


@dataclass
class UnitYears:
    unit: Unit
    subjects: list[SubjectYears]


def survey_subjects(code: str | None = None) -> list[tuple[str, str, str]]:
    """(subject code, label, satisfaction indicator code) of the appraisal subjects in use: the
    contract's two (``satisfaction_<code>`` of the catalogue) and the active ones of the table."""
    return [(c, label, f"satisfaction_{c}") for c, label in subject_choices() if code in (None, c)]


def _tally_figures(units, subjects, date_from, date_to, campaign) -> dict[tuple[int, str], Figure]:
    """{(unit id, subject code): satisfaction} for subjects without a catalogue indicator, summed
    from the tallies in each unit's stored scope (one query whatever the number of units)."""
    codes = [c for c, _label, _ic in subjects]
    if not codes or not units:
        return {}
    tallies = Survey.objects.filter(subject__in=codes, held_on__gte=date_from, held_on__lte=date_to)
    if campaign is not None:
        tallies = tallies.filter(campaign=campaign)
    tally = Survey.objects.filter(pk=OuterRef("record_id"))
    rows = (records.scope_rows("survey").filter(unit_id__in=[u.pk for u in units], record_id__in=tallies.values("pk"))
            .annotate(subject=Subquery(tally.values("subject")[:1]),
                      ok=Subquery(tally.annotate(n=F("satisfied") + F("basically_satisfied")).values("n")[:1]),
                      ballots=Subquery(tally.annotate(
                          n=F("satisfied") + F("basically_satisfied") + F("dissatisfied")).values("n")[:1]))
            .values_list("unit_id", "subject", "ok", "ballots"))
    sums: dict[tuple[int, str], list[Decimal]] = {}
    for uid, subject, ok, ballots in rows:
        acc = sums.setdefault((uid, subject), [Decimal(0), Decimal(0)])
        acc[0] += ok
        acc[1] += ballots
    out = {}
    for u in units:
        for code, label, ic in subjects:
            ok, ballots = sums.get((u.pk, code), (Decimal(0), Decimal(0)))
            ind = Indicator(code=ic, name=f"满意率({label})", unit="%", kind=IndicatorKind.RATE)
            out[(u.pk, code)] = Figure(ind, (ok * 100 / ballots) if ballots else None, ok, ballots)
    return out


def survey_years(units, year: int, subjects, campaign=None) -> list[UnitYears]:
    """Each unit's satisfaction per subject in ``year`` and ``year - 1`` (calendar years): the
    catalogue's satisfaction figures from the one figure read (two ``unit_figures`` calls), the
    other subjects from their tallies (``_tally_figures``); constant queries in the number of units."""
    import datetime as dt

    inds = {i.code: i for i in indicators([s[2] for s in subjects])}
    wanted = [inds[s[2]] for s in subjects if s[2] in inds]
    extra = [s for s in subjects if s[2] not in inds]
    now_from, now_to = dt.date(year, 1, 1), dt.date(year, 12, 31)
    last_from, last_to = dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31)
    now = figures.unit_figures(units, campaign, now_from, now_to, wanted)
    last = figures.unit_figures(units, campaign, last_from, last_to, wanted)
    now_extra = _tally_figures(units, extra, now_from, now_to, campaign)
    last_extra = _tally_figures(units, extra, last_from, last_to, campaign)
    out = []
    for u in units:
        n, la = figures.figure_map(now[u.pk]), figures.figure_map(last[u.pk])
        row = []
        for c, label, ic in subjects:
            if ic in n:
                row.append(SubjectYears(c, label, n[ic], la[ic]))
            elif (u.pk, c) in now_extra:
                row.append(SubjectYears(c, label, now_extra[(u.pk, c)], last_extra[(u.pk, c)]))
        out.append(UnitYears(u, row))
    return out
