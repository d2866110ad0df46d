from django.apps import AppConfig


class CreationConfig(AppConfig):
    name = "creation"
    verbose_name = "三级联创"

    def ready(self):
        from organizations import records

        from . import panels  # noqa: F401  (the 创建 status on the unit's page)
        from .models import CreationEntry

        records.register("creationentry", CreationEntry, related=("unit",), paths=lambda r: (r.unit.path,))
