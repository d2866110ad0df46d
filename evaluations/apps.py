from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = "评选表彰"

    def ready(self):
        from organizations import records

        from .models import Award, Nomination

        # a nomination and an award stand at the nominee's unit (a person's: their unit)
        records.register("nomination", Nomination, related=("unit",), paths=lambda r: (r.unit.path,))
        records.register("award", Award, related=("unit",), paths=lambda r: (r.unit.path,))
        from . import panels  # noqa: F401  (awards on the unit's and the person's pages; 评选公示)
