from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Tools that span every app (the invariant checker, the demo-data generator): they may import
    all of them, and no app imports them."""

    name = "devtools"
    verbose_name = "Developer tools"
