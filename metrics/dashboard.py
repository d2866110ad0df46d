"""The dashboard (看板) and the targets page: what only they show — the headline cards, their links
to the records behind each figure, the ranking windows and the warnings' links.

Every number comes from :mod:`metrics.figures` (figures, drill-down, rankings, silence,
warnings, targets' red/amber/green and the default period), which the bulletin, the completeness
page, the assessment, the workbook and ``export_metrics`` read too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from campaigns.models import Campaign, IndicatorKind, ReviewStatus
from campaigns.policy import can_review_somewhere
from organizations.models import Unit, UnitKind

from . import charts, figures
from .rollup import CATEGORY_KEYS
from .selectors import Figure

HEADLINE = ("pairings", "activities", "org_life_sessions", "democratic_life_meetings", "tech_visits",
            "commitments_made", "commitment_rate", "leader_visits", "inspections", "problems_solved",
            "satisfaction_party_org", "satisfaction_cobuild")
DRILL = ("pairings", "activities", "org_life_sessions", "tech_visits", "commitments_made", "commitments_done",
         "commitment_rate", "inspections", "problems_solved", "project_funds")
TREND = ("activities", "org_life_sessions", "commitments_done")
RANK_WINDOWS = {"period": "所选期间", "30": "近30天", "90": "近3个月"}
RANK_SHOWN = figures.RANK_SHOWN
DRILL_SHOWN = 30                     # a longer group of children folds to its first rows
SILENT_LISTED = 8
_CATEGORY_OF = {v: k for k, v in CATEGORY_KEYS.items()}


def rank_window(window: str, period: figures.Period) -> tuple[dt.date, dt.date]:
    """The ranking's period: the page's (as in the workbook), or the last 30 or 90 days up to the
    as-of day."""
    if window in ("30", "90"):
        return period.as_of - dt.timedelta(days=int(window) - 1), period.as_of
    return period.date_from, period.date_to


# --- links to the records behind a figure ------------------------------------------------------

def _q(name: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse(name) + (f"?{urlencode(params)}" if params else "")


def record_link(code: str, kind: str, unit: Unit, campaign: Campaign | None, date_from, date_to,
                verified_only: bool = False) -> str:
    """The list of records behind a figure ('' when there is no such list, e.g. satisfaction);
    verified-only figures lead to the verified activities. Every list is filtered to the unit
    (and the period where the list has one)."""
    cpk = campaign.pk if campaign else None
    if code == "activities" or kind == IndicatorKind.OUTCOME or code in _CATEGORY_OF:
        return _q("campaigns:activity_list", unit=unit.pk, category=_CATEGORY_OF.get(code, ""),
                  status=ReviewStatus.VERIFIED if verified_only else "", date_from=date_from, date_to=date_to)
    if code == "help_pairs_registered":
        return _q("pairings:helppair_list", village=unit.pk if unit.kind in figures.VILLAGE_KINDS else None)
    if code == "joint_meetings_held":
        return _q("campaigns:meeting_list", unit=unit.pk, campaign=cpk)
    if code in ("commitments_made", "commitment_rate"):
        return _q("campaigns:commitment_list", unit=unit.pk, campaign=cpk)
    if code == "commitments_done":
        return _q("campaigns:commitment_list", unit=unit.pk, campaign=cpk, status="done")
    if code in ("inspections", "leader_visits"):
        return _q("pairings:inspection_list", kind="inspection" if code == "inspections" else "leader_visit",
                  campaign=cpk, unit=unit.pk, date_from=date_from, date_to=date_to)
    if code == "pairings":
        return _q("pairings:register", campaign=cpk, unit=unit.pk)
    return ""


# --- the dashboard ---------------------------------------------------------------------------

@dataclass
class Card:
    figure: Figure
    href: str
    progress: figures.Progress | None = None

    @property
    def display(self) -> str:
        """The figure for a card: money in 万元 when large (the exact value is in the table)."""
        if self.figure.indicator.is_money and self.figure.value is not None and self.figure.value >= 100000:
            return charts.fmt(self.figure.value)
        return self.figure.text


def review_links(user, unit: Unit, date_from, date_to) -> dict:
    """Where the number awaiting review leads: the submitted activities of the unit in the
    period, and the review queue for those who may review."""
    return {
        "awaiting": _q("campaigns:activity_list", unit=unit.pk, status=ReviewStatus.SUBMITTED,
                       date_from=date_from, date_to=date_to),
        "queue": reverse("campaigns:review_queue") if can_review_somewhere(user) else "",
    }


def warning_links(unit: Unit, campaign: Campaign | None, as_of: dt.date) -> dict:
    """Where each warning's count leads: the lists of the records behind it."""
    township = unit.pk if unit.kind == UnitKind.TOWNSHIP else None
    cpk = campaign.pk if campaign else None
    return {
        "pairs": _q("pairings:matrix", tab="silent", mark="silent", campaign=cpk, township=township),
        "commitments": _q("campaigns:commitment_list", unit=unit.pk, campaign=cpk, overdue="on"),
        "rectifications": _q("pairings:rectification_overdue", township=township),
        "coverage": reverse("organizations:coverage", args=[unit.pk]),
        "villages": _q("campaigns:activity_list", unit=unit.pk, date_from=figures.silent_since(as_of), date_to=as_of),
    }
