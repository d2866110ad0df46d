from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "人员名册"

    def ready(self):
        from organizations import records

        from .models import Person, PipelineStep

        records.register("person", Person, related=("unit",), paths=lambda r: (r.unit.path,))
        records.register("pipelinestep", PipelineStep, related=("person__unit",),
                         paths=lambda r: (r.person.unit.path,), parents=(("person", "person_id"),))
        from .apps_service import register_service_records

        register_service_records(records)
