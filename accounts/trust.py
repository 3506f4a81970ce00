"""Who is trusted to publish without review."""

TRUSTED_MIN_APPROVED_POSTS = 3
TRUSTED_MIN_REPUTATION = 15


def post_needs_review(user) -> bool:
    """New members' posts wait in the queue: fewer than 3 approved posts, or reputation under 15."""
    if user.is_moderator:
        return False
    return (
        user.approved_post_count < TRUSTED_MIN_APPROVED_POSTS
        or user.reputation < TRUSTED_MIN_REPUTATION
    )
