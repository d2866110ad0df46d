from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "组织体系"

    def ready(self):
        # The shared import engine asks this app who may manage a unit (it imports no app).
        from cobuild.importing import register_unit_permission

        from .policy import can_manage_unit

        register_unit_permission(can_manage_unit)
        # Background job handlers: the web import (check, write), the coverage workbook.
        from . import exports, import_jobs  # noqa: F401
