"""django-allauth's own test helpers for provider flows: mocked responses from the provider's
servers, so the whole OAuth2 flow runs through allauth's real views without the network.

Copied from django-allauth 65.22.1 (tests/mocking.py and the flow of OAuth2TestsMixin.login in
tests/apps/socialaccount/base.py; MIT licence, (c) 2010-2026 Raymond Penners and contributors):
allauth ships them in its source distribution only, not in the installed package."""

import json
from http import HTTPStatus
from unittest.mock import Mock
from urllib.parse import parse_qs, urlparse

import requests
from allauth.socialaccount.adapter import get_adapter
from django.test import RequestFactory


class MockedResponse:
    def __init__(self, status_code, content, headers=None):
        if headers is None:
            headers = {}

        self.status_code = status_code
        if isinstance(content, dict):
            content = json.dumps(content)
            headers["content-type"] = "application/json"
        self.content = content.encode("utf8")
        self.headers = headers

    def json(self):
        return json.loads(self.text)

    def raise_for_status(self):
        pass

    @property
    def ok(self):
        return self.status_code // 100 == 2

    @property
    def text(self):
        return self.content.decode("utf8")


class mocked_response:  # noqa: N801 (allauth's name)
    """Within the block, requests' sessions answer with `responses` in turn (then fail: our
    change over allauth's, which would fall through to the network)."""

    def __init__(self, *responses, callback=None):
        self.callback = callback
        self.responses = list(responses)

    def __enter__(self):
        self.orig_get = requests.Session.get
        self.orig_post = requests.Session.post
        self.orig_request = requests.Session.request

        def mockable_request(f):
            def new_f(*args, **kwargs):
                if self.callback:
                    response = self.callback(*args, **kwargs)
                    if response is not None:
                        return response
                if self.responses:
                    resp = self.responses.pop(0)
                    if isinstance(resp, dict):
                        resp = MockedResponse(HTTPStatus.OK, resp)
                    return resp
                raise AssertionError(f"unexpected request to the network: {args}")

            return Mock(side_effect=new_f)

        requests.Session.get = mockable_request(requests.Session.get)
        requests.Session.post = mockable_request(requests.Session.post)
        requests.Session.request = mockable_request(requests.Session.request)
        return self

    def __exit__(self, type, value, traceback):
        requests.Session.get = self.orig_get
        requests.Session.post = self.orig_post
        requests.Session.request = self.orig_request


def oauth2_login(
    client, provider_id, token_response, *profile_responses, process="login"
):
    """allauth's OAuth2TestsMixin.login: POST the provider's login URL (as the button does),
    check where it sends the browser, then come back to the callback with a code while the
    provider's token endpoint and APIs answer with the mocked responses. Returns
    (authorize URL's query, callback response)."""
    request = RequestFactory().get("/")
    provider = get_adapter().get_provider(request, provider_id)
    with mocked_response():
        response = client.post(provider.get_login_url(request, process=process))
    assert response.status_code == HTTPStatus.FOUND, response
    query = parse_qs(urlparse(response["location"]).query)
    callback = provider.get_callback_url()
    assert query["redirect_uri"][0].endswith(callback)
    with mocked_response(
        MockedResponse(
            HTTPStatus.OK, token_response, {"content-type": "application/json"}
        ),
        *profile_responses,
    ):
        response = client.get(callback, {"code": "test", "state": query["state"][0]})
    return query, response
