"""Pages of 评选: schemes, cycles, nominations, reviews, scores, 公示, objections, awards.
Thin: scope → form → one service → message + redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cobuild.pagination import paginate
from cobuild.params import id_or_404, parse_id, parse_text
from organizations.models import Unit
from pairings.forms import add_service_error
from people.models import Person

from . import policy, selectors, services
from .forms import (
    AnswerForm,
    AwardForm,
    CycleForm,
    NominationForm,
    ObjectionForm,
    PublicityForm,
    ReviewerForm,
    ReviewForm,
    ScoreForm,
)
from .models import (
    Cycle,
    CycleStatus,
    EvidenceFile,
    Nomination,
    NominationStatus,
    Objection,
    Round,
    Score,
)


def _cycle(request, pk) -> Cycle:
    return get_object_or_404(Cycle.objects.for_user(request.user).select_related("scheme", "organiser", "board"),
                             pk=pk)


def _nomination(request, pk) -> Nomination:
    return get_object_or_404(Nomination.objects.for_user(request.user).select_related(
        "cycle__scheme", "cycle__organiser", "unit__parent", "person", "nominating_unit", "nominated_by"), pk=pk)


def _history(*objs):
    """The history rows of the given records, newest first, with who did it; a save and the
    evidence links it set (one act, two history rows) show once."""
    rows = []
    for obj in objs:
        rows += list(obj.history.select_related("history_user").order_by("-history_date")[:50])
    out, seen = [], set()
    for h in sorted(rows, key=lambda h: h.history_date, reverse=True):
        key = (h.history_user_id, h.history_change_reason, h.history_date.replace(microsecond=0))
        if key not in seen:
            seen.add(key)
            out.append(h)
    return out


# --- schemes -----------------------------------------------------------------------------------

@require_GET
def scheme_list(request):
    """Every scheme with its criteria (the catalogue is the same for every county)."""
    schemes = list(selectors.schemes_for_list().prefetch_related("criteria"))
    for s in schemes:
        s.total_weight = sum(c.weight for c in s.criteria.all())
    return render(request, "evaluations/scheme_list.html", {"schemes": schemes,
                                                            "can_manage": policy.can_manage_schemes(request.user)})


# --- cycles ------------------------------------------------------------------------------------

@require_GET
def cycle_list(request):
    q = parse_text(request.GET.get("q"), 50)
    status = request.GET.get("status", "")
    status = status if status in CycleStatus.values else ""
    year = parse_id(request.GET.get("year") or "") or None
    page = paginate(request, selectors.cycles_for(request.user, q=q, status=status, year=year), 20)
    return render(request, "evaluations/cycle_list.html", {
        "page": page, "q": q, "status": status, "year": year or "", "statuses": CycleStatus.choices,
        "can_create": policy.can_create_cycle_somewhere(request.user),
    })


def cycle_create(request):
    user = request.user
    if not policy.can_create_cycle_somewhere(user):
        raise PermissionDenied("只有县级组织部管理员可以发起评选。")
    form = CycleForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            cycle = services.cycle_create(actor=user, scheme=d["scheme"], organiser=d["organiser"], year=d["year"],
                                          title=d["title"], nomination_deadline=d["nomination_deadline"],
                                          review_deadline=d["review_deadline"],
                                          objection_contact=d["objection_contact"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已发起“{cycle.title}”,各单位可以开始推荐。")
            return redirect("evaluations:cycle_detail", cycle.pk)
    return render(request, "evaluations/cycle_form.html", {"form": form})


@require_GET
def cycle_detail(request, pk):
    user = request.user
    cycle = _cycle(request, pk)
    q = parse_text(request.GET.get("q"), 50)
    status = request.GET.get("status", "")
    status = status if status in NominationStatus.values else ""
    page = paginate(request, selectors.nominations_for(user, cycle, q=q, status=status), 30)
    criteria = list(cycle.scheme.criteria.all())
    totals = selectors.weighted_totals([n.pk for n in page.object_list], criteria)
    for n in page.object_list:
        n.total = totals.get(n.pk)
    manage = policy.can_manage_cycle(user, cycle)
    reviewers = list(cycle.reviewers.select_related("reviewer"))
    return render(request, "evaluations/cycle_detail.html", {
        "cycle": cycle, "page": page, "q": q, "status": status, "counts": selectors.status_counts(user, cycle),
        "manage": manage, "reviewers": reviewers,
        "is_reviewer": policy.is_reviewer(user, cycle, {r.reviewer_id for r in reviewers}),
        "can_nominate": cycle.status == CycleStatus.OPEN and policy.can_nominate_somewhere(user)
        and timezone.localdate() <= cycle.nomination_deadline,
        "unanswered": selectors.unanswered_objections(cycle) if cycle.status == CycleStatus.PUBLICITY else 0,
        "publicity_form": PublicityForm(initial={"objection_contact": cycle.objection_contact})
        if manage and cycle.status == CycleStatus.OPEN else None,
        "award_form": AwardForm(initial={"awarded_on": timezone.localdate()})
        if manage and cycle.status == CycleStatus.CLOSED else None,
        "steps": policy.STEP_TABLE, "statuses": NominationStatus.choices, "today": timezone.localdate(),
    })


def cycle_reviewers(request, pk):
    cycle = _cycle(request, pk)
    if not policy.can_manage_cycle(request.user, cycle):
        raise PermissionDenied("只有县级组织部管理员可以指派评审人。")
    form = ReviewerForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            services.reviewer_assign(actor=request.user, cycle=cycle, reviewer=form.cleaned_data["reviewer"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已指派{form.cleaned_data['reviewer']}为评审人。")
            return redirect("evaluations:cycle_detail", cycle.pk)
    return render(request, "evaluations/simple_form.html", {
        "form": form, "cycle": cycle, "title": "指派评审人", "button": "指派",
        "note": "评审人为“待县级评审”的推荐对象逐项评分,只能看到和评分本次评选。"})


def cycle_publicity(request, pk):
    cycle = _cycle(request, pk)
    if not policy.can_manage_cycle(request.user, cycle):
        raise PermissionDenied("只有县级组织部管理员可以发布公示。")
    form = PublicityForm(request.POST or None, initial={"objection_contact": cycle.objection_contact})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.publicity_open(actor=request.user, cycle=cycle, start=d["publicity_start"],
                                    end=d["publicity_end"], objection_contact=d["objection_contact"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "公示已发布:公示栏链接和二维码见本页。")
            return redirect("evaluations:cycle_detail", cycle.pk)
    return render(request, "evaluations/simple_form.html", {
        "form": form, "cycle": cycle, "title": "发布公示", "button": "发布公示", "confirm": True,
        "note": "县级评审通过的全部对象将进入公示,公示页面无需登录即可查看(不显示个人联系方式)。"})


def cycle_close(request, pk):
    cycle = _cycle(request, pk)
    if not policy.can_manage_cycle(request.user, cycle):
        raise PermissionDenied("只有县级组织部管理员可以结束公示。")
    if request.method == "POST":
        try:
            services.publicity_close(actor=request.user, cycle=cycle)
        except ValidationError as exc:
            messages.error(request, ";".join(exc.messages))
        else:
            messages.success(request, "公示已结束,公示链接已撤回。现在可以授予称号。")
        return redirect("evaluations:cycle_detail", cycle.pk)
    return render(request, "evaluations/confirm.html", {
        "cycle": cycle, "title": "结束公示", "button": "确认结束公示",
        "text": f"公示期:{cycle.publicity_start or '—'} 至 {cycle.publicity_end or '—'}。结束后公示链接失效,"
                "未答复的异议须先答复。"})


def cycle_award(request, pk):
    cycle = _cycle(request, pk)
    if not policy.can_manage_cycle(request.user, cycle):
        raise PermissionDenied("只有县级组织部管理员可以授予称号。")
    form = AwardForm(request.POST or None, initial={"awarded_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            awards = services.cycle_award(actor=request.user, cycle=cycle, awarded_on=form.cleaned_data["awarded_on"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已授予 {len(awards)} 个“{cycle.scheme.award_title}”称号。")
            return redirect("evaluations:cycle_detail", cycle.pk)
    n = cycle.nominations.filter(status=NominationStatus.PUBLICITY).count()
    return render(request, "evaluations/simple_form.html", {
        "form": form, "cycle": cycle, "title": "授予称号", "button": f"授予 {n} 个称号", "confirm": True,
        "note": f"公示中、无成立异议的 {n} 个对象将被授予“{cycle.scheme.award_title}”称号,授予后不可撤销。"})


# --- nominations -------------------------------------------------------------------------------

def _eligible_units(user, cycle):
    scheme = cycle.scheme
    qs = Unit.objects.for_user(user, policy.NOMINATOR_ROLES).filter(path__startswith=cycle.organiser.path)
    if scheme.unit_kinds:
        qs = qs.filter(kind__in=scheme.unit_kinds)
    return qs.select_related("parent").order_by("path")


def _eligible_people(user, cycle):
    scheme = cycle.scheme
    qs = Person.objects.for_user(user, policy.NOMINATOR_ROLES).filter(unit__path__startswith=cycle.organiser.path)
    if scheme.statuses:
        qs = qs.filter(status__in=scheme.statuses)
    return qs.select_related("unit").order_by("unit__path", "name")


def nominate(request, pk):
    """Step 1: pick the nominee (search, paginated); step 2 (``?unit=`` or ``?person=``): the form."""
    user = request.user
    cycle = _cycle(request, pk)
    if not policy.can_nominate_somewhere(user):
        raise PermissionDenied("只有村(社区)书记、机关联络员、乡镇和县级工作人员可以推荐。")
    if cycle.status != CycleStatus.OPEN or timezone.localdate() > cycle.nomination_deadline:
        messages.error(request, "该评选的推荐已截止。")
        return redirect("evaluations:cycle_detail", cycle.pk)
    unit = person = None
    raw_person, raw_unit = request.GET.get("person"), request.GET.get("unit")
    if cycle.scheme.is_person and raw_person:
        person = get_object_or_404(_eligible_people(user, cycle), pk=id_or_404(raw_person, "没有这个人员。"))
        unit = person.unit
    elif not cycle.scheme.is_person and raw_unit:
        unit = get_object_or_404(_eligible_units(user, cycle), pk=id_or_404(raw_unit, "没有这个单位。"))
    if unit is None:
        q = parse_text(request.GET.get("q"), 50)
        rows = _eligible_people(user, cycle) if cycle.scheme.is_person else _eligible_units(user, cycle)
        if q:
            rows = rows.filter(Q(name__icontains=q))
        taken = set(cycle.nominations.values_list("person_id" if cycle.scheme.is_person else "unit_id", flat=True))
        page = paginate(request, rows, 30)
        return render(request, "evaluations/nominee_pick.html", {"cycle": cycle, "page": page, "q": q,
                                                                  "taken": taken})
    form = NominationForm(request.POST or None, request.FILES or None, user=user, unit=unit, year=cycle.year)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            n = services.nomination_submit(actor=user, cycle=cycle, unit=unit, person=person,
                                           statement=d["statement"], activities=d["activities"],
                                           commitments=d["commitments"], files=d["files"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"已推荐{n.nominee_name},待乡镇审核。")
            return redirect("evaluations:nomination_detail", n.pk)
    return render(request, "evaluations/nomination_form.html", {
        "form": form, "cycle": cycle, "unit": unit, "person": person, "nomination": None})


def nomination_edit(request, pk):
    user = request.user
    n = _nomination(request, pk)
    if not policy.can_edit_nomination(user, n):
        raise PermissionDenied("只有推荐单位可以在审核前或退回后修改推荐材料。")
    initial = {"statement": n.statement, "activities": list(n.activities.values_list("pk", flat=True)),
               "commitments": list(n.commitments.values_list("pk", flat=True))}
    form = NominationForm(request.POST or None, request.FILES or None, user=user, unit=n.unit, year=n.cycle.year,
                          initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.nomination_submit(actor=user, cycle=n.cycle, nomination=n, statement=d["statement"],
                                       activities=d["activities"], commitments=d["commitments"], files=d["files"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "推荐材料已更新,待乡镇审核。")
            return redirect("evaluations:nomination_detail", n.pk)
    return render(request, "evaluations/nomination_form.html", {
        "form": form, "cycle": n.cycle, "unit": n.unit, "person": n.person, "nomination": n})


@require_GET
def nomination_detail(request, pk):
    user = request.user
    n = _nomination(request, pk)
    cycle = n.cycle
    criteria = list(cycle.scheme.criteria.all())
    decisions = list(n.decisions.select_related("decided_by"))
    objections = list(n.objections.select_related("recorded_by", "answered_by"))
    manage = policy.can_manage_cycle(user, cycle)
    reviewer_ids = set(cycle.reviewers.values_list("reviewer_id", flat=True))
    suggestions = selectors.suggestions(n, criteria)
    return render(request, "evaluations/nomination_detail.html", {
        "n": n, "cycle": cycle, "criteria": criteria,
        "activities": n.activities.select_related("unit").order_by("-date"),
        "commitments": n.commitments.select_related("unit").order_by("-made_on"),
        "files": n.files.all(), "decisions": decisions, "objections": objections,
        "scores": [(c, scores, avg, suggestions.get(c.pk)) for c, scores, avg in selectors.score_table(n, criteria)],
        "total": selectors.weighted_totals([n.pk], criteria)[n.pk],
        "can_edit": policy.can_edit_nomination(user, n),
        "can_township": n.status == NominationStatus.NOMINATED and cycle.status == CycleStatus.OPEN
        and policy.can_township_review(user, n),
        "can_county": n.status == NominationStatus.TOWNSHIP_PASSED and cycle.status == CycleStatus.OPEN and manage,
        "can_score": n.status == NominationStatus.TOWNSHIP_PASSED and policy.is_reviewer(user, cycle, reviewer_ids),
        "can_object": n.status == NominationStatus.PUBLICITY and manage, "manage": manage,
        "history": _history(n, *objections),
    })


def nomination_review(request, pk):
    user = request.user
    n = _nomination(request, pk)
    round_ = Round.TOWNSHIP if n.status == NominationStatus.NOMINATED else Round.COUNTY
    allowed = (policy.can_township_review(user, n) if round_ == Round.TOWNSHIP
               else policy.can_manage_cycle(user, n.cycle))
    if not allowed:
        raise PermissionDenied("您不能审核该推荐。")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.nomination_review(actor=user, nomination=n, round=round_, result=d["result"], reason=d["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{Round(round_).label}已完成。")
            return redirect("evaluations:nomination_detail", n.pk)
    return render(request, "evaluations/simple_form.html", {
        "form": form, "cycle": n.cycle, "nomination": n, "title": f"{Round(round_).label}:{n.nominee_name}",
        "button": "提交审核结论", "confirm": True,
        "note": "通过后进入下一环节;退回后推荐单位可以修改再报;不通过则本次评选不再审核。"})


def nomination_score(request, pk):
    user = request.user
    n = _nomination(request, pk)
    if not policy.is_reviewer(user, n.cycle):
        raise PermissionDenied("您不是本次评选指派的评审人。")
    criteria = list(n.cycle.scheme.criteria.all())
    mine = {s.criterion_id: s for s in Score.objects.filter(nomination=n, reviewer=user)}
    sug = selectors.suggestions(n, criteria)
    form = ScoreForm(request.POST or None, criteria=criteria, mine=mine, suggestions=sug)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.scores_save(actor=user, nomination=n, scores=form.scores())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"评分已保存({changed} 项有变化)。")
            return redirect("evaluations:nomination_detail", n.pk)
    return render(request, "evaluations/score_form.html", {"form": form, "n": n, "criteria": criteria,
                                                            "suggestions": sug})


def objection_add(request, pk):
    n = _nomination(request, pk)
    if not policy.can_manage_cycle(request.user, n.cycle):
        raise PermissionDenied("公示异议由县级组织部管理员登记。")
    form = ObjectionForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.objection_record(actor=request.user, nomination=n, received_on=d["received_on"],
                                      from_name=d["from_name"], content=d["content"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "异议已登记,请核实后答复。公示须在全部异议答复后才能结束。")
            return redirect("evaluations:nomination_detail", n.pk)
    return render(request, "evaluations/simple_form.html", {
        "form": form, "cycle": n.cycle, "nomination": n, "title": f"登记公示异议:{n.nominee_name}",
        "button": "登记异议"})


def objection_answer(request, pk):
    objection = get_object_or_404(Objection.objects.select_related("nomination"), pk=pk)
    n = _nomination(request, objection.nomination_id)
    if not policy.can_manage_cycle(request.user, n.cycle):
        raise PermissionDenied("公示异议由县级组织部管理员答复。")
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.objection_answer(actor=request.user, objection=objection, outcome=d["outcome"],
                                      answer=d["answer"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "异议已答复。")
            return redirect("evaluations:nomination_detail", n.pk)
    return render(request, "evaluations/simple_form.html", {
        "form": form, "cycle": n.cycle, "nomination": n, "title": f"答复公示异议:{n.nominee_name}",
        "button": "提交答复", "confirm": True, "quote": objection.content,
        "note": "异议成立的,该对象不予授予;不成立的,继续公示。答复后不能修改。"})


@require_GET
def evidence_file(request, pk):
    ev = get_object_or_404(EvidenceFile.objects.select_related("nomination"), pk=pk)
    _nomination(request, ev.nomination_id)
    try:
        handle = ev.file.open("rb")
    except FileNotFoundError:
        raise Http404("材料文件不存在。") from None
    response = FileResponse(handle, as_attachment=True, filename=ev.name, content_type="application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response

