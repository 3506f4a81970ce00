from django.conf import settings


def site(request):
    """Values every page's layout needs; the unread count is only queried when a template shows it."""

    def unread_notifications():
        from questions.models import Notification

        return Notification.objects.filter(recipient=request.user).unread().count()

    return {
        "SITE_NAME": settings.SITE_NAME,
        "search_query": request.GET.get("q", "").replace("\x00", "")[:200],
        "unread_notifications": unread_notifications
        if request.user.is_authenticated
        else 0,
    }
