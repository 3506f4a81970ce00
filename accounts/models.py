from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from caching import reverse  # django.urls.reverse, each shape reversed once

MODERATORS_GROUP = "Moderators"
MODERATE_PERMISSION = "accounts.moderate"


def suspension_in_force(suspended_until) -> bool:
    """Whether a suspension that ends at `suspended_until` (None: none) is still on."""
    return suspended_until is not None and suspended_until > timezone.now()


class UserQuerySet(models.QuerySet):
    def active(self):
        """Users who have not deleted their account."""
        return self.filter(deleted_at__isnull=True)


class MemberManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A member of MLQA. Deleting an account anonymises the row so that answers and votes stay."""

    display_name = models.CharField(
        max_length=50, blank=True, help_text="Shown instead of your username. Optional."
    )
    bio = models.TextField(
        max_length=500,
        blank=True,
        help_text="A few words about you (plain text, 500 characters at most).",
    )
    reputation = models.IntegerField(default=0)
    # Answers and comments a moderator (or the trust rule) let through: new members' posts wait for review.
    approved_post_count = models.PositiveIntegerField(default=0, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    suspended_until = models.DateTimeField(null=True, blank=True, editable=False)
    suspension_reason = models.CharField(max_length=300, blank=True, editable=False)

    objects = MemberManager()
    # The rule, for the member copy GET requests read (caching.members, which knows the model
    # only through get_user_model()).
    suspension_in_force = staticmethod(suspension_in_force)

    class Meta:
        permissions = [("moderate", "Can moderate posts, flags and users")]

    def __str__(self):
        return self.public_name

    def save(self, *args, **kwargs):
        # A GET request's member may be a copy from the cache (caching.members), which can be
        # a moment behind the row: writing it back could undo a vote's reputation.
        if getattr(self, "read_from_cache", False):
            raise RuntimeError(
                "This member was read from the cache for a GET request and can't be saved: "
                "read the row from the database (a POST request's member is)."
            )
        super().save(*args, **kwargs)

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def public_name(self):
        if self.is_deleted:
            return "deleted user"
        return self.display_name or self.username

    @property
    def shown_reputation(self):
        """Reputation as every page shows it: never below zero.

        The column keeps the exact sum of the member's points (votes, canonical marks), which may
        be negative: undoing a downvote then gives back exactly what it took, the PostgreSQL vote
        function and the ORM path add the same numbers, and recompute_reputation rebuilds them
        (a floor applied inside each update would depend on the order of votes and could not
        be rebuilt from them). Only what is shown has the floor."""
        return max(self.reputation, 0)

    @property
    def is_suspended(self):
        return suspension_in_force(self.suspended_until)

    @property
    def is_moderator(self):
        return (
            self.is_active
            and not self.is_deleted
            and self.has_perm(MODERATE_PERMISSION)
        )

    def get_absolute_url(self):
        return reverse("accounts:profile", kwargs={"username": self.username})

    def anonymise(self):
        """Strip personal data from this row; the caller removes related personal records."""
        self.username = f"deleted-{self.pk}"
        self.email = ""
        self.first_name = self.last_name = self.display_name = self.bio = ""
        self.is_active = False
        self.is_staff = self.is_superuser = False
        self.deleted_at = timezone.now()
        self.set_unusable_password()
