"""The one write path of the person register and the 推优/发展 pipeline.

The web forms, the admin, the ``people`` importer, the commands and the demo seed all call these
functions (keyword-only, ``actor=``): permission (``people.policy``), validation (``full_clean``),
history with its reason, all inside one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.models import MASS_KINDS, PARTY_KINDS, Organization, Unit, User
from pairings.policy import refuse
from pairings.services import new_code

from .models import STAGE_STATUS, TAG_FIELDS, Person, PersonStatus, PersonViewLog, PipelineStep, Stage
from .policy import person_refusals, status_refusals, step_refusals, view_is_logged


def _check_orgs(unit: Unit, branch: Organization | None, recommended_by: Organization | None) -> dict:
    errors = {}
    if branch is not None and branch.kind not in PARTY_KINDS:
        errors["branch"] = f"“{branch.name}”不是党组织,请选择负责的党支部(党总支、党委)。"
    if recommended_by is not None and recommended_by.kind not in MASS_KINDS:
        errors["recommended_by"] = f"“{recommended_by.name}”不是群团组织,推优组织应是工会、共青团或妇联。"
    return errors


_KEEP = object()


@transaction.atomic
def person_save(*, actor: User | None, unit: Unit, name: str, status: str | None = None,
                person: Person | None = None, code: str | None = None, gender: str = "",
                birth_year: int | None = None, education: str = "", occupation: str = "",
                frontline: bool | None = None, phone: str | None = None, status_since=_KEEP,
                branch: Organization | None = None, recommended_by: Organization | None = None,
                tags=None, memberships=None, notes: str | None = None,
                reason: str | None = None) -> tuple[Person, bool]:
    """Create or update a person (by ``person`` or by ``code``). ``tags`` (an iterable of
    ``Tag`` values) and ``memberships`` (organisations) replace the current ones when given.
    ``frontline`` defaults to an occupation of ``frontline`` (CONTRACT §3) on import.
    ``phone=None`` keeps the stored number (an editor who may not see it), ``status=None`` the
    stored status (and ``status_since`` left out its date): once a person has pipeline steps the
    steps drive the status (``policy.status_refusals``)."""
    if person is None and code:
        person = Person.objects.select_for_update(of=("self",)).filter(code=code).select_related("unit").first()
    elif person is not None:
        person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    created = person is None
    refuse(person_refusals(actor, person=person, unit=unit))
    if status is None:
        status = person.status if person is not None else PersonStatus.MASSES
        if status_since is _KEEP:
            status_since = person.status_since if person is not None else None
    if status_since is _KEEP:
        status_since = None
    refuse(status_refusals(person, status))
    errors = _check_orgs(unit, branch, recommended_by)
    today = timezone.localdate()
    if birth_year is not None and not (1900 <= birth_year <= today.year):
        errors["birth_year"] = f"出生年份应在1900到{today.year}之间。"
    if status_since is not None and status_since > today:
        errors["status_since"] = "“何时起”不能晚于今天。"
    if memberships is not None:
        foreign = [o.name for o in memberships if not unit.path.startswith(o.unit.path)
                   and not o.unit.path.startswith(unit.path)]
        if foreign:
            errors["memberships"] = f"所在组织须属于本单位或其上级单位:{'、'.join(foreign)}。"
    if errors:
        raise ValidationError(errors)
    p = person or Person(code=code or new_code("P", today))
    p.unit, p.name, p.gender, p.birth_year, p.education = unit, name.strip(), gender, birth_year, education
    occupation = (occupation or "").strip()
    p.occupation = occupation
    p.frontline = frontline if frontline is not None else occupation.lower() == "frontline"
    if phone is not None or created:
        p.phone = (phone or "").strip()
    p.status, p.status_since, p.branch, p.recommended_by = status, status_since, branch, recommended_by
    if tags is not None:
        tags = set(tags)
        for tag, field in TAG_FIELDS.items():
            setattr(p, field, tag in tags)
    if notes is not None:
        p.notes = notes
    p.full_clean(exclude=["memberships"])
    p._change_reason = reason or ("登记人员" if created else "修改人员信息")
    p.save()
    if memberships is not None:
        p.memberships.set(memberships)
    return p, created


@transaction.atomic
def pipeline_step_record(*, actor: User | None, person: Person, stage: str, date,
                         branch: Organization | None = None, recommended_by: Organization | None = None,
                         contacts: str = "", contact_people=(), remarks: str = "",
                         reason: str | None = None) -> PipelineStep:
    """Record the person's next step of 推优/发展; their status (and its date) follow."""
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    steps = list(person.steps.all())
    refuse(step_refusals(actor, person=person, stage=stage, date=date, steps=steps,
                         today=timezone.localdate()))
    stage = Stage(stage)
    errors = _check_orgs(person.unit, branch, recommended_by)
    if stage == Stage.RECOMMENDED and recommended_by is None:
        errors["recommended_by"] = "推荐环节请选择推优的群团组织(工会、共青团或妇联)。"
    if stage != Stage.RECOMMENDED and branch is None and person.branch is None:
        errors["branch"] = "请选择负责培养的党组织。"
    if errors:
        raise ValidationError(errors)
    step = PipelineStep(person=person, stage=stage, date=date, branch=branch or person.branch,
                        recommended_by=recommended_by, contacts=contacts.strip(), remarks=remarks.strip(),
                        recorded_by=actor if actor is not None and actor.pk else None)
    step.full_clean()
    step._change_reason = reason or f"登记:{stage.label}"
    step.save()
    if contact_people:
        step.contact_people.set(contact_people)
    new_status = STAGE_STATUS.get(stage)
    changed = False
    if new_status is not None:
        person.status, person.status_since, changed = new_status, date, True
    if stage == Stage.RECOMMENDED and person.recommended_by_id != recommended_by.pk:
        person.recommended_by, changed = recommended_by, True
    if step.branch is not None and person.branch_id != step.branch_id:
        person.branch, changed = step.branch, True
    if changed:
        person._change_reason = f"推优发展:{stage.label}({date:%Y-%m-%d})"
        person.save()
    return step


def person_viewed(*, actor: User, person: Person, identity_shown: bool, what: str = "page") -> PersonViewLog | None:
    """Log a view of a person's page by staff outside the person's unit (``policy.view_is_logged``)."""
    if actor is None or not actor.is_authenticated or not view_is_logged(actor, person):
        return None
    return PersonViewLog.objects.create(person=person, viewer=actor, what=what, identity_shown=identity_shown)
