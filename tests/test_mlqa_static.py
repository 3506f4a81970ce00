"""Static files the production way: fingerprinted names, compressed copies, cached for a year."""

import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

YEAR = 365 * 24 * 3600


@pytest.fixture
def collected(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_pages_link_fingerprinted_files_served_compressed_and_cached_for_a_year(
    collected,
):
    client = Client()  # a new client: whitenoise indexes STATIC_ROOT when it starts
    page = client.get("/").content.decode()
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page links the fingerprinted stylesheet"
    url = stylesheet.group(1)
    assert (collected / url.removeprefix("/static/")).with_suffix(".css.gz").exists()
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Encoding"] == "gzip"
    max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
    assert max_age >= YEAR
    assert "immutable" in response["Cache-Control"]
