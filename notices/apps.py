from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "通知任务"

    def ready(self):
        from . import panels  # noqa: F401  (the 信息通报 panels on the unit and meeting pages)
