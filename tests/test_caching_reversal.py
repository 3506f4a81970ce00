"""caching.reversal.reverse gives exactly django.urls.reverse's URLs, and so does {% url %}."""

import itertools

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix
from django.urls import reverse as django_reverse
from django.utils.safestring import mark_safe

from caching import reversal
from tests.url_patterns import pattern_arguments, url_patterns

VALUES = [
    0,
    7,
    123456,
    -3,
    "abc",
    mark_safe("answer"),
    "a-b_c",
    "Abc9",
    "x y",
    "a/b",
    "é",
    "",
    True,
    2.5,
]


def _both(name, **call):
    try:
        expected = django_reverse(name, **call)
    except NoReverseMatch:
        expected = NoReverseMatch
    try:
        got = reversal.reverse(name, **call)
    except NoReverseMatch:
        got = NoReverseMatch
    return expected, got


def _named_patterns():
    return sorted(
        {
            (name, tuple(sorted(pattern_arguments(p))))
            for name, _, p in url_patterns()
            if name
        }
    )


def test_every_named_url_is_the_one_django_gives():
    checked = 0
    for name, arguments in _named_patterns():
        for values in itertools.islice(
            itertools.product(VALUES, repeat=len(arguments)), 60
        ):
            for call in (
                {"kwargs": dict(zip(arguments, values, strict=True))},
                {"args": list(values)},
            ):
                expected, got = _both(name, **call)
                assert got == expected, (name, call)
                checked += expected is not NoReverseMatch
    assert checked > 100  # most patterns were really reversed, not just refused


def test_a_second_call_with_other_values_fills_the_template():
    first = reversal.reverse("questions:answer-vote", args=[1])
    second = reversal.reverse("questions:answer-vote", args=[98765])
    assert first == django_reverse("questions:answer-vote", args=[1])
    assert second == django_reverse("questions:answer-vote", args=[98765])
    assert reversal.reverse(
        "moderation:flag", kwargs={"kind": "comment", "pk": 4}
    ) == django_reverse("moderation:flag", kwargs={"kind": "comment", "pk": 4})


def test_the_script_prefix_is_part_of_the_template():
    plain = reversal.reverse("questions:answer-vote", args=[5])
    set_script_prefix("/mlqa/")
    try:
        assert reversal.reverse("questions:answer-vote", args=[5]) == "/mlqa" + plain
    finally:
        clear_script_prefix()
    assert reversal.reverse("questions:answer-vote", args=[5]) == plain


def test_the_url_tag_is_the_fast_one_with_the_same_output():
    template = Template(
        "{% url 'questions:answer-vote' pk %}|{% url 'accounts:profile' username=name %}"
        "|{% url 'nope' as missing %}{{ missing }}"
    )
    out = template.render(Context({"pk": 12, "name": "a<b"}))
    vote = django_reverse("questions:answer-vote", args=[12])
    profile = django_reverse("accounts:profile", kwargs={"username": "a<b"})
    assert out == f"{vote}|{profile.replace('<', '&lt;')}|"
    node = template.nodelist[0]
    assert type(node).__module__ == "caching.templatetags.reversing"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'nope' %}").render(Context())
