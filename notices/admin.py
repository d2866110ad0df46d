"""Admin for notices: scoped for non-superusers, history kept. A notice is sent on the portal's
page (recipients, files); here the sender's side corrects its title, text and deadline through
``notice_update`` with a reason. Receipts, files and digest records are written only by the
recipients' actions and ``send_digests``: read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from organizations.admin_tools import (
    REASON_FIELD,
    ReadOnlyAdmin,
    ScopedPagesMixin,
    ServiceAdmin,
    ServiceModelForm,
)

from . import policy, services
from .models import DigestLog, Notice, NoticeAttachment, NoticeReceipt


class NoticeAdminForm(ServiceModelForm):
    class Meta:
        model = Notice
        fields = ("title", "body", "deadline")


class ReceiptInline(admin.TabularInline):
    model = NoticeReceipt
    fields = ("unit", "organization", "read_at", "acknowledged_at", "acknowledged_by", "replied_at", "replied_late",
              "reminded_at", "remind_count")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "organization", "acknowledged_by")


@admin.register(Notice)
class NoticeAdmin(ServiceAdmin):
    form = NoticeAdminForm
    list_display = ("title", "kind", "sender_unit", "sender_org", "sent_at", "deadline", "done_by", "code")
    list_filter = ("kind", "done_by", "sender_unit__kind")
    search_fields = ("code", "title", "body", "sender_unit__name", "sender_org__name")
    list_select_related = ("sender_unit", "sender_org")
    date_hierarchy = "sent_at"
    fields = ("code", "kind", "sender_unit", "sender_org", "meeting", "title", "body", "deadline", "done_by",
              "criterion_category", "criterion_min", "criterion_from", "criterion_to", "created_by", "sent_at")
    readonly_fields = ("code", "kind", "sender_unit", "sender_org", "meeting", "done_by", "criterion_category",
                       "criterion_min", "criterion_from", "criterion_to", "created_by", "sent_at")
    inlines = [ReceiptInline]

    def has_add_permission(self, request):
        return False   # sent on the portal's page (发通知/下任务), which chooses recipients and files

    def can_change(self, user, obj) -> bool:
        return policy.can_manage(user, obj)

    def save_through_service(self, request, current, v):
        return services.notice_update(actor=request.user, notice=current, title=v["title"], body=v["body"],
                                      deadline=v.get("deadline"), reason=v[REASON_FIELD])


@admin.register(NoticeReceipt)
class NoticeReceiptAdmin(ScopedPagesMixin, SimpleHistoryAdmin, ReadOnlyAdmin):
    superusers_only = False
    list_display = ("notice", "unit", "organization", "read_at", "acknowledged_at", "replied_at", "replied_late",
                    "remind_count")
    list_filter = ("notice__kind", "replied_late", ("acknowledged_at", admin.EmptyFieldListFilter),
                   ("replied_at", admin.EmptyFieldListFilter))
    search_fields = ("notice__title", "notice__code", "unit__name", "organization__name", "reply_text")
    list_select_related = ("notice", "unit", "organization")

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)


@admin.register(NoticeAttachment)
class NoticeAttachmentAdmin(ScopedPagesMixin, SimpleHistoryAdmin, ReadOnlyAdmin):
    superusers_only = False
    list_display = ("name", "notice", "receipt", "size", "uploaded_by", "uploaded_at")
    search_fields = ("name", "notice__title", "notice__code")
    list_filter = (("receipt", admin.EmptyFieldListFilter),)
    list_select_related = ("notice", "receipt", "uploaded_by")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(notice__in=Notice.objects.for_user(request.user))


@admin.register(DigestLog)
class DigestLogAdmin(ReadOnlyAdmin):
    list_display = ("day", "user", "channel", "items", "delivered", "sent_at")
    list_filter = ("channel", "delivered", "day")
    search_fields = ("user__username", "user__last_name", "text")
    list_select_related = ("user",)
