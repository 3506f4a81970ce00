"""allauth's pages in the site's style: each error with its own field, sentence-case headings,
"Remember me" inline with its box, one primary button per page, no empty card."""

import re
from http import HTTPStatus

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def html_of(response, status=HTTPStatus.OK):
    assert response.status_code == status
    return response.content.decode()


def field_blocks(html):
    """{input name: the HTML of its field block}: each field's label, input, help and errors."""
    blocks = re.split(r'(?=<div class="field[ "])', html)
    found = {}
    for block in blocks[1:]:
        name = re.search(r'name="([^"]+)"', block)
        if name:
            found[name.group(1)] = block
    return found


def test_sign_up_errors_sit_with_their_own_field(client):
    UserFactory(username="taken-name", email="first@example.com")
    html = html_of(
        client.post(
            reverse("account_signup"),
            {
                "username": "taken-name",
                "email": "not-an-address",
                "password1": PASSWORD,
                "password2": "something else entirely",
            },
        )
    )
    fields = field_blocks(html)
    assert "already exists" in fields["username"]
    assert "already exists" not in fields["email"]
    assert "valid email address" in fields["email"]
    assert "same password" in fields["password2"]
    # Within a field: the label, then the input, then the error.
    username = fields["username"]
    assert (
        username.index('for="id_username"')
        < username.index('name="username"')
        < username.index("already exists")
    )
    assert 'class="field field-error"' in username
    # The password rules are a list in a block of their own, tied to the input.
    password = fields["password1"]
    assert '<div class="help" id="id_password1_helptext"><ul>' in password
    assert 'aria-describedby="id_password1_helptext"' in password
    assert "<span><ul>" not in html


@pytest.mark.parametrize(
    ("url_name", "heading", "title"),
    [
        ("account_login", "Sign in", "Sign in"),
        ("account_signup", "Sign up", "Sign up"),
        ("account_reset_password", "Password reset", "Password reset"),
    ],
)
def test_account_pages_have_sentence_case_headings(client, url_name, heading, title):
    html = html_of(client.get(reverse(url_name)))
    assert f"<h1>{heading}</h1>" in html
    assert f"<title>{title} · MLQA</title>" in html


def test_remember_me_is_a_checkbox_inline_with_its_label(client):
    html = html_of(client.get(reverse("account_login")))
    assert re.search(
        r'<label class="check" for="id_remember"><input type="checkbox" name="remember"[^>]*> Remember me</label>',
        html,
    )
    assert "Remember Me:" not in html
    assert re.search(r'<button type="submit">\s*Sign in\s*</button>', html)


def test_the_email_page_has_one_primary_button(client, user):
    client.force_login(user)
    html = html_of(client.get(reverse("account_email")))
    assert "<h1>Email addresses</h1>" in html
    main = html[html.index("<main") : html.index("</main>")]  # not the header's Search
    buttons = re.findall(r"<button[^>]*>", main)
    secondary = [b for b in buttons if "button-secondary" in b or "button-danger" in b]
    primary = [b for b in buttons if b not in secondary]
    assert len(primary) == 1, buttons
    assert 'name="action_add"' in primary[0]
    assert any('name="action_remove"' in b and "button-danger" in b for b in buttons)
    # The address list: each radio inline with its address.
    assert re.search(
        rf'<label class="check" for="[^"]+"><input type="radio" name="email"[^>]*> <span>\s*{re.escape(user.email)}',
        html,
    )


def test_password_reset_pages_have_no_empty_card(client, user):
    html = html_of(client.get(reverse("account_reset_password")))
    cards = re.findall(r'<form[^>]*class="account-form".*?</form>', html, re.S)
    assert len(cards) == 1 and "<button" in cards[0]
    assert "<h1>Password reset</h1>" in html
    # The page the mailed link opens: the set-password form, and allauth's hidden sign-out
    # form for its Cancel button, which must not show as a card of its own.
    url = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    html = html_of(client.get(url, follow=True))
    assert "<h1>Change password</h1>" in html
    forms = re.findall(r"<form[^>]*>.*?</form>", html, re.S)
    for form in forms:
        if 'class="account-form"' in form:
            assert "<button" in form
        else:
            assert "<button" in form or 'id="logout-from-stage"' in form
            assert "card" not in form.split(">", 1)[0]
    assert re.search(
        r'<button type="submit" form="logout-from-stage" class="button-secondary">\s*Cancel',
        html,
    ) or re.search(r'<button class="button-secondary" form="logout-from-stage"', html)
