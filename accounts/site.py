"""The site's public address, for links read away from the site: feeds, the sitemap, mails,
the API, exports. SITE_URL when it is set (a proxy may change the host the request came to);
else the address of the request itself."""

from django.conf import settings


def site_url(request=None) -> str:
    """ "https://mlqa.example.org" (no trailing slash): SITE_URL, else the request's own."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return "http://localhost:8000"


def absolute_url(request, path: str) -> str:
    """`path` ("/questions/1/x/") as an address that works from anywhere."""
    if path.startswith(("http://", "https://")):
        return path
    return site_url(request) + path
