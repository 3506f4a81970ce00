from django.conf import settings


def site(request):
    """Values every page's layout needs."""
    return {"SITE_NAME": settings.SITE_NAME, "search_query": request.GET.get("q", "")[:200]}
