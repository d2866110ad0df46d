"""Campaigns (创先争优 / 党群共建 / 百局联百村): the frame every pairing and record belongs to."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organizations.models import Unit
from organizations.scoping import scope_paths


class Phase(models.TextChoices):
    MOBILISE = "mobilise", _("动员部署")
    IMPLEMENT = "implement", _("组织实施")
    REVIEW = "review", _("总结评选")


class CampaignQuerySet(models.QuerySet):
    def for_user(self, user):
        """Campaigns owned inside the user's scope or by a unit above it (a county campaign is
        everyone's in that county)."""
        paths = scope_paths(user)
        if paths is None:
            return self
        if not paths:
            return self.none()
        q = Q()
        above: set[int] = set()
        for p in paths:
            q |= Q(owner_unit__path__startswith=p)
            above.update(int(x) for x in p.strip("/").split("/") if x)
        return self.filter(q | Q(owner_unit_id__in=above))


class Campaign(models.Model):
    slug = models.SlugField(_("代码"), max_length=64, unique=True, allow_unicode=False)
    name = models.CharField(_("名称"), max_length=100)
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    owner_unit = models.ForeignKey(Unit, verbose_name=_("主办单位"), on_delete=models.PROTECT,
                                   related_name="campaigns")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    phase = models.CharField(_("阶段"), max_length=16, choices=Phase.choices, default=Phase.MOBILISE)
    description = models.TextField(_("实施方案要点"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("专项活动")
        verbose_name_plural = _("专项活动")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="campaign_dates_ordered"),
        ]

    def __str__(self):
        return self.name
