from django.conf import settings

from accounts.site import absolute_url
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
        "canonical_url": lambda: canonical_url(request),
        "search_query": request.GET.get("q", "").replace("\x00", "")[:200],
        "unread_notifications": unread_notifications
        if request.user.is_authenticated
        else 0,
    }


def canonical_url(request):
    """The page's own address for <link rel="canonical">: absolute, without the query string
    (a filtered, sorted or searched list points at the whole list), except a plain list's page
    number."""
    query = ""
    page = request.GET.get("page", "")
    if (
        list(request.GET) == ["page"]
        and page.isascii()
        and page.isdigit()
        and len(page) < 12
        and int(page) > 1
    ):
        query = f"?page={int(page)}"
    return absolute_url(request, request.path + query)
