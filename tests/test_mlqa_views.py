from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def test_home_lists_topics_and_recent_questions(client, django_assert_max_num_queries):
    question = QuestionFactory()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert question.title in html and question.topic.name in html
    assert 'href="#main"' in html  # skip link
    assert 'role="search"' in html


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.content.decode()
    assert "site-header" in response.content.decode()


def test_pages_have_a_strict_content_security_policy(client):
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_500_page_renders_without_request_context(rf):
    from mlqa.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Something went wrong" in response.content.decode()


def test_trivial_benchmark_page_runs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("trivial"))
    assert response.status_code == HTTPStatus.OK and b"ok" in response.content


def test_database_outage_gives_a_friendly_503(rf):
    import sys

    from django.db import OperationalError

    from mlqa.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "back in a moment" in response.content.decode()
