"""What moderation's rows feed: nothing cached shows a flag or an audit entry (the queue and the
log are rendered for each moderator). Moderation's actions show on cached pages through the rows
they change, declared where those rows live: a post's status (approve, reject, hide, restore,
canonical mark) in questions/caching.py, a member's suspension and role in the caching layer's
own declarations (the member's row, group membership)."""
