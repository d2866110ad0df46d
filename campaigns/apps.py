from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "活动管理"

    def ready(self):
        from organizations import records
        from pairings.apps import linked_paths

        from .models import Activity, Commitment, JointMeeting, MeetingDecision, Survey

        linked = ("unit", "pairing__village", "pairing__bureau")
        for name, model, day in (("activity", Activity, "date"), ("commitment", Commitment, None)):
            records.register(name, model, related=linked, paths=lambda r: linked_paths(r.unit, r.pairing),
                             parents=(("pairing", "pairing_id"),), side_field="unit", day_field=day)
        records.register("meeting", JointMeeting, related=("host_unit", "pairing__village", "pairing__bureau"),
                         paths=lambda r: linked_paths(r.host_unit, r.pairing),
                         parents=(("pairing", "pairing_id"),), side_field="host_unit")
        records.register("decision", MeetingDecision, related=("assigned_unit", "meeting__host_unit"),
                         paths=lambda r: (r.assigned_unit.path, r.meeting.host_unit.path),
                         parents=(("meeting", "meeting_id"),))
        records.register("survey", Survey, related=("unit",), paths=lambda r: (r.unit.path,))
