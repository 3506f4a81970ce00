"""Pages are compressed on the wire; a visitor's cached page is compressed once, when stored."""

import gzip

import pytest

from caching import pages
from tests.factories import AnswerFactory

pytestmark = pytest.mark.django_db


def test_a_visitors_cached_page_is_sent_as_stored_compressed(client, monkeypatch):
    answer = AnswerFactory(body="A long enough answer. " * 40)
    url = answer.question.get_absolute_url()
    plain = client.get(url)  # rendered and stored
    assert plain["X-Page-Cache"] == "miss"
    compressions = []
    real = pages.gzip.compress
    monkeypatch.setattr(
        pages.gzip,
        "compress",
        lambda *args, **kwargs: compressions.append(1) or real(*args, **kwargs),
    )
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    second = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    for response in (first, second):
        assert response["X-Page-Cache"] == "hit"
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert gzip.decompress(response.content) == plain.content
    assert second.content == first.content  # the stored bytes, not compressed again
    assert compressions == []
    # A client that doesn't take gzip gets the page plain, from the same entry.
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit" and "Content-Encoding" not in again
    assert again.content == plain.content and "Accept-Encoding" in again["Vary"]


def test_members_pages_are_compressed_per_response(user_client):
    answer = AnswerFactory(body="A long enough answer. " * 40)
    response = user_client.get(
        answer.question.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response["Content-Encoding"] == "gzip"
    assert b"A long enough answer." in gzip.decompress(response.content)
    assert response.get("X-Page-Cache") in ("miss", "hit", None)
