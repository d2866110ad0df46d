"""Write the demo county's year as CSV files for ``import_data`` (CONTRACT.md §3 columns).

Importing them in order into an empty database reproduces seed 004's results table::

    manage.py demo_csv --output /tmp/tieli
    for k in units organizations campaigns pairings inspections activities commitments surveys; do
        manage.py import_data $k /tmp/tieli/$k.csv
    done
    manage.py export_metrics --unit TL
"""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from demo import data as demo_data
from demo.year import to_csv, year_rows

ORDER = ("units", "organizations", "campaigns", "pairings", "inspections", "activities", "commitments", "surveys")


def demo_tables(today) -> dict[str, list[dict]]:
    data = demo_data.pairing_demo(today)
    c = data["campaign"]
    tables = {
        "units": [{"code": u["code"], "name": u["name"], "kind": u["kind"], "parent_code": u["parent_code"] or ""}
                  for u in demo_data.UNITS],
        "organizations": [{"code": o["code"], "name": o["name"], "kind": o["kind"], "unit_code": o["unit_code"],
                           "led_by_code": o["led_by_code"] or "", "members": o["members"]}
                          for o in demo_data.ORGANIZATIONS],
        "campaigns": [{"slug": c["slug"], "name": c["name"], "owner_unit_code": c["owner_unit_code"],
                       "start_date": c["start_date"].isoformat(), "end_date": c["end_date"].isoformat()}],
        "pairings": [{"code": p["code"], "campaign": c["slug"], "bureau_code": p["bureau_code"],
                      "village_code": p["village_code"], "start_date": p["start_date"].isoformat(),
                      "end_date": ""} for p in data["pairings"]],
        "inspections": [{"code": i["code"], "campaign": c["slug"], "unit_code": i["unit_code"],
                         "pairing_code": i["pairing_code"] or "", "held_on": i["held_on"].isoformat(),
                         "kind": i["kind"], "visitors": i["visitors"], "inspector": i["inspector"],
                         "findings": i["findings"]} for i in data["visits"] + data["inspections"]],
    }
    tables.update(year_rows(today))
    return {k: tables[k] for k in ORDER}


class Command(BaseCommand):
    help = "Write the demo county's data (seed 004's year) as CSV files for import_data."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="folder to write the CSV files to")

    def handle(self, *args, **opts):
        folder = Path(opts["output"])
        folder.mkdir(parents=True, exist_ok=True)
        for n, (kind, rows) in enumerate(demo_tables(timezone.localdate()).items(), start=1):
            path = folder / f"{n:02d}-{kind}.csv"
            path.write_bytes(to_csv(rows))
            self.stdout.write(f"{path}  {len(rows)} 行")
