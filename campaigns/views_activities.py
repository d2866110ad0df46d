"""Activity pages: phone-first logging form, lists, detail, scoped photos and the review queue."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


activity_list = activity_mine = activity_create = activity_detail = activity_edit = _todo
activity_review = photo_delete = photo = photo_thumb = review_queue = _todo
