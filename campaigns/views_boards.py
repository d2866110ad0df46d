"""Public boards (公示栏): staff publish and withdraw them; anyone with the link reads them.

- ``board_public`` (``/p/<token>/``) is the only page of the portal without login: no menu, no
  session use, no personal data (``campaigns.boards``), ``Cache-Control: public``, noindex, and
  a withdrawn or unknown token answers 404. Its HTML is cached for a short TTL.
- The staff pages (list, new, the printable QR page, withdraw with confirmation) are scoped like
  every other page: out of scope is 404, not the unit's staff is 403.
"""

from __future__ import annotations

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cobuild.pagination import paginate
from cobuild.params import parse_id, parse_text
from organizations.models import Unit
from pairings.models import Pairing

from . import boards
from .models import BoardKind, BoardStatus, Campaign
from .policy import can_manage_board, can_manage_boards_somewhere
from .selectors_commitments import loggable_units
from .services import board_create, board_withdraw

BOARD_PAGE = 30


# --- the public page ---------------------------------------------------------------------------

@login_not_required
@require_GET
def board_public(request, token):
    key = boards.cache_key(token)
    html = cache.get(key)
    if html is None:
        board = boards.public_board(token)
        if board is None:
            raise Http404("公示不存在或已撤回。")
        if board.kind == BoardKind.COMMITMENTS:
            rows, counts = boards.public_rows(board)
            html = render_to_string("campaigns/board_public.html", {
                "board": board, "rows": rows, "counts": counts, "today": timezone.localdate(),
                "unit_name": board.unit.name, "township": board.unit.parent.name if board.unit.parent_id else "",
            })
        else:
            page = boards.public_page(board)
            if page is None:
                raise Http404("公示不存在或已撤回。")
            html = render_to_string(page[0], page[1])
        cache.set(key, html, boards.cache_seconds())
    response = HttpResponse(html)
    response["Cache-Control"] = f"public, max-age={boards.cache_seconds()}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def public_url(request, board) -> str:
    return request.build_absolute_uri(reverse("board_public", args=[board.token]))


# --- staff pages -------------------------------------------------------------------------------

class BoardForm(forms.Form):
    unit = forms.ModelChoiceField(label="公示单位", queryset=Unit.objects.none(),
                                  widget=forms.Select(attrs={"class": "form-select"}))
    pairing = forms.ModelChoiceField(label="结对(可选)", queryset=Pairing.objects.none(), required=False,
                                     help_text="选择后公示该结对双方为结对所作的承诺;不选则公示本单位的承诺。",
                                     widget=forms.Select(attrs={"class": "form-select"}))
    campaign = forms.ModelChoiceField(label="活动(可选)", queryset=Campaign.objects.none(), required=False,
                                      help_text="不选表示所有活动。", widget=forms.Select(attrs={"class": "form-select"}))
    title = forms.CharField(label="公示标题(可选)", required=False, max_length=100,
                            widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "留空自动生成"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = loggable_units(user).exclude(kind__in=("province", "city", "county",
                                                                              "township")).order_by("path")
        self.fields["pairing"].queryset = (Pairing.objects.for_user(user)
                                           .select_related("village", "bureau").order_by("code"))
        self.fields["campaign"].queryset = Campaign.objects.for_user(user)


@require_GET
def board_list(request):
    user = request.user
    qs = boards.boards_for(user)
    q = parse_text(request.GET.get("q"))
    if q:
        qs = qs.filter(unit__name__icontains=q) | qs.filter(title__icontains=q)
    status = request.GET.get("status")
    if status in BoardStatus.values:
        qs = qs.filter(status=status)
    page = paginate(request, qs.order_by("-created_at", "-pk"), BOARD_PAGE)
    return render(request, "campaigns/board_list.html", {
        "page": page, "q": q, "status": status if status in BoardStatus.values else "",
        "statuses": BoardStatus.choices, "can_create": can_manage_boards_somewhere(user),
    })


def board_create_view(request):
    if not can_manage_boards_somewhere(request.user):
        raise PermissionDenied("只有单位的工作人员可以发布公示。")
    form = BoardForm(request.POST or None, user=request.user, initial={"unit": parse_id(request.GET.get("unit"))})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            board = board_create(actor=request.user, unit=data["unit"], pairing=data["pairing"],
                                 campaign=data["campaign"], title=data["title"])
        except ValidationError as e:
            for field, errs in e.message_dict.items() if hasattr(e, "error_dict") else [(None, e.messages)]:
                for msg in errs:
                    form.add_error(field if field in form.fields else None, msg)
        except PermissionDenied as e:
            form.add_error("unit", str(e))
        else:
            messages.success(request, "公示已发布。可打印二维码张贴在村务公开栏,群众扫码即可查看。")
            return redirect("campaigns:board_detail", pk=board.pk)
    return render(request, "campaigns/board_form.html", {"form": form})


@require_GET
def board_detail(request, pk):
    """The board's link and QR code, printable for the village notice board."""
    board = get_object_or_404(boards.boards_for(request.user), pk=pk)
    url = public_url(request, board)
    qr = segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True) if board.status == BoardStatus.ACTIVE else ""
    return render(request, "campaigns/board_print.html", {
        "board": board, "url": url, "qr": qr,
        "can_manage": can_manage_board(request.user, board.unit, board.pairing),
    })


def board_withdraw_view(request, pk):
    board = get_object_or_404(boards.boards_for(request.user), pk=pk)
    if not can_manage_board(request.user, board.unit, board.pairing):
        raise PermissionDenied("您没有权限撤回该公示。")
    if request.method == "POST":
        board_withdraw(actor=request.user, board=board, reason=parse_text(request.POST.get("reason"), 80))
        messages.success(request, "公示已撤回,原链接和二维码已失效。")
        return redirect("campaigns:board_list")
    return render(request, "campaigns/board_withdraw.html", {"board": board})


__all__ = ["board_create_view", "board_detail", "board_list", "board_public", "board_withdraw_view"]
