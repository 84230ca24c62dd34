from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page and the demo data: the one app that reads every other one."""

    name = "dashboard"
