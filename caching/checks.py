from django.core import checks

from .borrowed import check_borrowed, django_is_tested


def borrowed_from_django(app_configs=None, **kwargs):
    """caching.E001: what caching.borrowed takes from Django's private code no longer holds;
    caching.W001: a Django version that module was not read against."""
    errors = [
        checks.Error(
            problem,
            hint="Read caching/borrowed.py against this Django version and adapt it.",
            id="caching.E001",
        )
        for problem in check_borrowed()
    ]
    if not django_is_tested():
        errors.append(
            checks.Warning(
                "caching.borrowed was not checked against this Django version.",
                hint="Read caching/borrowed.py against it and add it to TESTED_DJANGO.",
                id="caching.W001",
            )
        )
    return errors
