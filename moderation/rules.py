"""Who is trusted to publish without review: the rule is about members, so it lives in
accounts.trust (questions needs it, and must not import moderation)."""

from accounts.trust import (
    TRUSTED_MIN_APPROVED_POSTS,
    TRUSTED_MIN_REPUTATION,
    post_needs_review,
)

__all__ = ["TRUSTED_MIN_APPROVED_POSTS", "TRUSTED_MIN_REPUTATION", "post_needs_review"]
