from django.conf import settings

from caching import member_value_for


def site(request):
    """Values every page's layout needs; the unread count is only queried when a template shows it."""

    def unread_notifications():
        user = request.user
        # Read with the member on GET requests (caching.members); cached either way: it is in
        # the header of every page a member reads (declared in questions/caching.py).
        if hasattr(user, "unread_notification_count"):
            return user.unread_notification_count
        return member_value_for(user.pk, "unread_notification_count")

    return {
        "SITE_NAME": settings.SITE_NAME,
        "search_query": request.GET.get("q", "").replace("\x00", "")[:200],
        "unread_notifications": unread_notifications
        if request.user.is_authenticated
        else 0,
    }
