"""`sentence_case`: allauth's headings, labels and buttons ("Sign Up", "Remember Me") in the
site's sentence case ("Sign up", "Remember me"), without rewriting every template of theirs."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _keep(word: str) -> bool:
    # Acronyms and words with digits keep their case ("MLQA", "E2E").
    letters = [c for c in word if c.isalpha()]
    return (
        len(letters) > 1
        and all(c.isupper() for c in letters)
        or any(c.isdigit() for c in word)
    )


@register.filter(is_safe=True)
def sentence_case(text):
    """The first word as it is, the others lower-cased (acronyms kept); markup is left alone."""
    value = str(text)
    if "<" in value:
        return text
    words = value.split()
    if not words:
        return ""
    result = " ".join(
        [words[0], *(word if _keep(word) else word.lower() for word in words[1:])]
    )
    return mark_safe(result) if isinstance(text, SafeString) else result
