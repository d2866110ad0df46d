"""Who may send notices and tasks to whom, answer them, remind, and send 信息通报.

Seeing is ``objects.for_user`` (models); changing is decided here, for the web, the admin and
the demo alike. Superusers may do everything; ``actor=None`` is the system (commands, seed).

- 发通知、下任务: county_admin and township_staff (``SENDER_ROLES``) from an area unit they hold
  the role over (county, township …; ``can_send_from``), to units strictly inside that unit's
  subtree (``recipient_refusals``): a township never sends outside its township, a village,
  a bureau, an inspector or a viewer never sends.
- 签收、回执: a user holding an editor role (village secretary, bureau liaison, township staff,
  county admin) over the recipient unit through a grant *below* the sender unit
  (``can_answer``): the village secretary and the township staff above the village answer a
  county task; the county that sent it does not answer its own task.
- 催办、查看全部回执: the sender's side, ``SENDER_ROLES`` over the sender unit (``can_manage``).
- 信息通报: an editor over the sending organisation's unit (``can_brief_from``), to
  organisations in the user's scope or at units above the sending one (``briefing_recipients``);
  a read receipt is taken when an editor over the recipient organisation's unit, other than the
  sender, opens it.
"""

from __future__ import annotations

from django.db.models import Q

from organizations.models import AREA_KINDS, EDITOR_ROLES, Organization, Role, Unit, UnitKind
from organizations.policy import allowed, holds_role_somewhere
from organizations.scoping import scope_q, user_grants
from pairings.policy import RECORD, Refusal

SENDER_ROLES = (Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF)
#: the kinds of unit a notice or task is addressed to
RECIPIENT_KINDS = (UnitKind.TOWNSHIP, UnitKind.VILLAGE, UnitKind.COMMUNITY, UnitKind.BUREAU,
                   UnitKind.ENTERPRISE, UnitKind.SCHOOL, UnitKind.SOCIAL_ORG)


def can_send_somewhere(user) -> bool:
    return holds_role_somewhere(user, SENDER_ROLES)


def can_send_from(user, unit: Unit) -> bool:
    return unit.kind in AREA_KINDS and allowed(user, unit, SENDER_ROLES)


def sender_units(user):
    """The area units the user may send from: those of their sender grants (all areas for a
    superuser)."""
    if user.is_superuser:
        return Unit.objects.filter(kind__in=AREA_KINDS)
    ids = [g.unit_id for g in user_grants(user) if g.role in SENDER_ROLES and g.unit_kind in AREA_KINDS]
    return Unit.objects.filter(pk__in=ids)


def recipient_units(sender_unit: Unit):
    """Every unit a notice from ``sender_unit`` may go to."""
    return Unit.objects.filter(path__startswith=sender_unit.path, kind__in=RECIPIENT_KINDS).exclude(
        pk=sender_unit.pk)


def notice_refusals(actor, *, sender_unit: Unit, units) -> list[Refusal]:
    out = []
    if not can_send_from(actor, sender_unit):
        out.append(Refusal("sender_unit", "您没有权限以该单位名义发送通知或下达任务。"))
    outside = [u.name for u in units if not (u.path.startswith(sender_unit.path) and u.pk != sender_unit.pk)
               or u.kind not in RECIPIENT_KINDS]
    if outside:
        out.append(Refusal("units", "只能发给本单位管辖范围内的乡镇、村(社区)和机关单位:"
                                    + "、".join(outside[:5]) + (" 等" if len(outside) > 5 else "") + " 不在范围内。"))
    if not units:
        out.append(Refusal("units", "请至少选择一个接收单位。", denied=False))
    return out


def can_manage(user, notice) -> bool:
    """See every receipt of the notice and remind: the sender's side."""
    if notice.is_briefing:
        return notice.sender_org is not None and allowed(user, notice.sender_org.unit, EDITOR_ROLES)
    return allowed(user, notice.sender_unit, SENDER_ROLES)


def can_answer(user, receipt, notice=None) -> bool:
    """签收/回执 (and read receipts): an editor over the recipient unit through a grant below
    the sender unit; for 信息通报, an editor over the recipient organisation's unit who is not
    the sender."""
    notice = notice or receipt.notice
    if user is None:
        return True
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    path = receipt.unit.path
    if notice.is_briefing:
        return user.pk != notice.created_by_id and any(
            g.role in EDITOR_ROLES and path.startswith(g.unit_path) for g in user_grants(user))
    sender_path = notice.sender_unit.path
    return any(g.role in EDITOR_ROLES and path.startswith(g.unit_path) and len(g.unit_path) > len(sender_path)
               for g in user_grants(user))


def answer_refusals(actor, receipt, *, replying: bool = False) -> list[Refusal]:
    out = []
    if not can_answer(actor, receipt):
        out.append(Refusal(RECORD, "您不是该通知的接收单位,不能签收或回执。"))
    elif replying and not receipt.notice.asks_reply:
        out.append(Refusal(RECORD, "该通知只需签收,不需要回执。", denied=False))
    return out


# --- 信息通报 --------------------------------------------------------------------------------------

def can_brief_somewhere(user) -> bool:
    return holds_role_somewhere(user, EDITOR_ROLES)


def can_brief_from(user, org: Organization) -> bool:
    return allowed(user, org.unit, EDITOR_ROLES)


def briefing_senders(user):
    """Organisations the user may send 信息通报 from."""
    qs = Organization.objects.select_related("unit")
    if user.is_superuser:
        return qs
    q = scope_q(user, "unit__path", EDITOR_ROLES)
    return qs.filter(q) if q is not None else qs


def briefing_recipients(user, sender_org: Organization | None = None):
    """Organisations in the user's scope, and those at the units above the sending one (a
    village branch reports up to its township's Party committee, union, League, women's
    federation)."""
    qs = Organization.objects.select_related("unit")
    q = scope_q(user, "unit__path")
    if q is None:
        return qs
    if sender_org is not None:
        q |= Q(unit_id__in=sender_org.unit.ancestor_ids)
    return qs.filter(q)


def briefing_refusals(actor, *, sender_org: Organization, organizations) -> list[Refusal]:
    out = []
    if not can_brief_from(actor, sender_org):
        out.append(Refusal("sender_org", "您没有权限以该组织名义发送信息通报。"))
    if actor is not None and not actor.is_superuser:
        allowed_ids = set(briefing_recipients(actor, sender_org).filter(
            pk__in=[o.pk for o in organizations]).values_list("pk", flat=True))
        outside = [o.name for o in organizations if o.pk not in allowed_ids]
        if outside:
            out.append(Refusal("organizations", "不能通报给工作范围以外的组织:" + "、".join(outside[:5])))
    if any(o.pk == sender_org.pk for o in organizations):
        out.append(Refusal("organizations", "不能通报给本组织自己。", denied=False))
    if not organizations:
        out.append(Refusal("organizations", "请至少选择一个接收组织。", denied=False))
    return out
