"""Record kinds of part B (双培双带, volunteers, 流动党员): each stands where its person or team stands."""


def register_service_records(records) -> None:
    from .models_service import MigrantContact, MigrantRecord, RichLink, ServiceRecord, VolunteerTeam

    records.register("richlink", RichLink, related=("person__unit",), paths=lambda r: (r.person.unit.path,),
                     parents=(("person", "person_id"),))
    records.register("volunteerteam", VolunteerTeam, related=("unit",), paths=lambda r: (r.unit.path,))
    records.register("servicerecord", ServiceRecord, related=("team__unit",), paths=lambda r: (r.team.unit.path,),
                     parents=(("volunteerteam", "team_id"),))
    records.register("migrant", MigrantRecord, related=("person__unit",), paths=lambda r: (r.person.unit.path,),
                     parents=(("person", "person_id"),))
    records.register("migrantcontact", MigrantContact, related=("migrant__person__unit",),
                     paths=lambda r: (r.migrant.person.unit.path,), parents=(("migrant", "migrant_id"),))
