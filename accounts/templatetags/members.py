"""`member_link`: a member's name linked to their profile, with their reputation (or "deleted
user"), as `accounts/_user_link.html` writes it. A filter, not an include: the question page
writes it 70 times (20 answers, 50 comments), and an include costs a template render each."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

DELETED = mark_safe('<span class="user-link deleted-user">deleted user</span>')


@register.filter
def member_link(member):
    if not member or member.is_deleted:
        return DELETED
    return format_html(
        '<a class="user-link" href="{}">{}</a> <span class="rep" title="Reputation">{}</span>',
        member.get_absolute_url(),
        member.public_name,
        member.shown_reputation,
    )
