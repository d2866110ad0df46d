from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo county (seed 004) and its commands, ``seed_demo`` and ``demo_csv``: the top layer,
    free to use every app's services; no app imports it."""

    name = "demo"
    verbose_name = "演示数据"
