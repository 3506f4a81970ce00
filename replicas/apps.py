from django.apps import AppConfig
from django.core import checks


class ReplicasConfig(AppConfig):
    name = "replicas"
    verbose_name = "Read replicas"

    def ready(self):
        from .checks import replica_settings

        checks.register(replica_settings)
