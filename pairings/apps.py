from django.apps import AppConfig


def _pairing_paths(pairing):
    if pairing is None:
        return ()
    return (pairing.village.path, pairing.bureau.path)


def linked_paths(unit, pairing):
    """A record's own unit and, through its pairing, the village's and the bureau's
    (CONTRACT.md §4): the tree paths whose units hold the record in their scope."""
    return (unit.path if unit is not None else None, *_pairing_paths(pairing))


class PairingsConfig(AppConfig):
    name = "pairings"
    verbose_name = "结对共建"

    def ready(self):
        from organizations import records

        from .models import HelpPair, Inspection, Pairing, RectificationItem

        records.register("pairing", Pairing, related=("village", "bureau"), paths=_pairing_paths)
        records.register("inspection", Inspection,
                         related=("unit", "pairing__village", "pairing__bureau"),
                         paths=lambda r: linked_paths(r.unit, r.pairing),
                         parents=(("pairing", "pairing_id"),), side_field="unit")
        records.register("rectification", RectificationItem,
                         related=("responsible_unit", "inspection__unit", "inspection__pairing__village",
                                  "inspection__pairing__bureau"),
                         paths=lambda r: (r.responsible_unit.path,
                                          *linked_paths(r.inspection.unit, r.inspection.pairing)),
                         parents=(("inspection", "inspection_id"),))
        records.register("helppair", HelpPair, related=("village", "pairing__village", "pairing__bureau"),
                         paths=lambda r: linked_paths(r.village, r.pairing),
                         parents=(("pairing", "pairing_id"),), side_field="village")
