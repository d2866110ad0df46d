import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from metrics import exports, figures
from organizations.models import Unit


def _date(value, name):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise CommandError(f"--{name} 日期格式应为 YYYY-MM-DD:{value}") from None


class Command(BaseCommand):
    help = ("The indicator summary of a unit's subtree (CONTRACT.md §2): CSV to stdout by default; "
            "--verified-only counts verified records only (the same columns).")

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code")
        parser.add_argument("--campaign", help="campaign slug")
        parser.add_argument("--from", dest="date_from")
        parser.add_argument("--to", dest="date_to")
        parser.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
        parser.add_argument("--output", help="write to this file instead of stdout")
        parser.add_argument("--verified-only", action="store_true",
                            help="count verified records only (default: submitted and verified)")

    def handle(self, *args, **opts):
        unit = Unit.objects.filter(code=opts["unit"]).first()
        if unit is None:
            raise CommandError(f"unknown unit code: {opts['unit']}")
        campaign = None
        if opts["campaign"]:
            campaign = Campaign.objects.filter(slug=opts["campaign"]).first()
            if campaign is None:
                raise CommandError(f"unknown campaign: {opts['campaign']}")
        date_from, date_to = _date(opts["date_from"], "from"), _date(opts["date_to"], "to")
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from is after --to")
        verified = opts["verified_only"]
        fmt = opts["format"]
        summary = figures.summary(unit, campaign, date_from, date_to, verified_only=verified)
        figs = summary.figures
        if fmt == "xlsx":
            data = exports.to_xlsx(figs, unit)
            if not opts["output"]:
                sys.stdout.buffer.write(data)
                return
            with open(opts["output"], "wb") as fh:
                fh.write(data)
            return
        if fmt == "csv":
            text = exports.to_csv(figs)
        else:
            on = figures.today()
            silence = figures.silence(unit, None, campaign, min(date_to or on, on))
            text = exports.to_json(figs, unit, campaign, date_from, date_to, silence, summary) + "\n"
        if opts["output"]:
            with open(opts["output"], "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        else:
            self.stdout.write(text, ending="")
