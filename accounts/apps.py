from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from allauth.socialaccount.models import SocialAccount

        from .registry import register_private_data

        # The link to a member's GitHub or Google account (and its tokens) goes with them.
        register_private_data(SocialAccount)
