"""The question page's answer cards, vote boxes and comment threads, written in plain Python.

Why: a question page draws 20 answer cards and 50 comments, and Django's template engine spent
most of the page's time on them (about 1,600 variable lookups a page, many through the
`SimpleLazyObject` of `user`: cProfile, bench/render_pages.py). The same HTML built with string
joins costs a fraction of that. The templates still name these parts (`{% answer_card %}`,
`{% vote_box %}`, `{% comment_thread %}` in questions/templatetags/cards.py; the htmx partials
"questions/includes/vote_box.html#vote-box" and "questions/includes/comments.html#comment-thread"),
so views and pages use them as before.

Escaping: every value that comes from a row goes through `_e` (html.escape, what Django's
autoescape does), except the stored HTML that the templates marked safe too (`body_html`,
sanitised when the post was saved) and the HTML of `member_link`, which escapes its own values.
"""

from html import escape as _e
from urllib.parse import quote

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe

from accounts.templatetags.members import member_link
from caching import reverse

from .models import Status
from .templatetags.presentation import markdown_html

PUBLISHED = Status.PUBLISHED
# A number no URL pattern holds: reversed once per view name and page in its place (Reader.url).
_MARK = 9_071_932_648_105_777


class Reader:
    """What the cards ask of the reader, read once per page (`user` is a lazy object in
    templates), and the page's links: each view name is reversed once per page and filled in
    with each card's number after that (a reverse() call costs as much as a card's text)."""

    __slots__ = (
        "_urls",
        "is_authenticated",
        "is_moderator",
        "pk",
    )  # _urls: links, members

    def __init__(self, user):
        self.is_authenticated = bool(user is not None and user.is_authenticated)
        self.pk = user.pk if self.is_authenticated else None
        self.is_moderator = self.is_authenticated and bool(
            getattr(user, "is_moderator", False)
        )
        self._urls = {}

    def url(self, viewname, *args):
        """reverse(viewname, args=[*args]) where the last argument is a row's id (an int)."""
        *fixed, number = args
        key = (viewname, *fixed)
        pieces = self._urls.get(key)
        if pieces is None:
            url = reverse(viewname, args=[*fixed, _MARK])
            before, found, after = url.partition(str(_MARK))
            pieces = self._urls[key] = (
                (before, after) if found and str(_MARK) not in after else ()
            )
        if not pieces or type(number) is not int or number < 0:
            return reverse(viewname, args=args)
        return f"{pieces[0]}{number}{pieces[1]}"

    def member(self, user):
        """accounts' member_link, once per member and page (an author of several posts)."""
        if user is None:
            return member_link(user)
        key = ("member", user.pk)
        html = self._urls.get(key)
        if html is None:
            html = self._urls[key] = member_link(user)
        return html

    def login_url(self):
        url = self._urls.get("login")
        if url is None:
            url = self._urls["login"] = reverse("account_login")
        return url


def _local(moment):
    if moment is not None and timezone.is_aware(moment):
        return timezone.localtime(moment)
    return moment


def _iso(local) -> str:
    """presentation.iso_datetime of a moment already in the current time zone."""
    return local.replace(microsecond=0).isoformat() if local else ""


def csrf_input(csrf_token) -> str:
    """`{% csrf_token %}`: the hidden field, or nothing without a token."""
    if not csrf_token or csrf_token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(str(csrf_token))}">'


def _plural(count) -> str:
    return "" if count == 1 else "s"


def _comment_time(local) -> str:
    """`date:"j M Y, H:i"` (dateformat's j, M, Y, H and i) of a moment in the current time zone."""
    month = str(MONTHS_3[local.month]).title()
    return _e(
        f"{local.day} {month} {local.year:04d}, {local.hour:02d}:{local.minute:02d}"
    )


def _status_badge(post) -> str:
    if post.status == PUBLISHED:
        return ""
    return (
        f'<span class="badge status-badge">{_e(str(post.get_status_display()))}</span>'
    )


def _thread_label(answer) -> str:
    if not answer:
        return "Comments on the question"
    if answer.source_id:
        return f"Comments on the reference answer from {_e(answer.source.title)}"
    author = answer.author
    name = (author.public_name if author is not None else "") or "deleted user"
    return f"Comments on {_e(name)}’s answer"


def _comment(comment, reader) -> str:
    pk = comment.pk
    created = _local(comment.created_at)
    flag = tools = ""
    if reader.is_authenticated:
        mine = comment.author_id == reader.pk
        if comment.status == PUBLISHED and not mine:
            flag = f'<a href="{reader.url("moderation:flag", "comment", pk)}">flag</a>'
        if mine or reader.is_moderator:
            tools = (
                f'\n<a href="{reader.url("questions:comment-edit", pk)}">edit</a>'
                f'\n<a class="danger-link" href="{reader.url("questions:comment-delete", pk)}">delete</a>\n'
            )
    return (
        f'<li class="comment" id="comment-{pk}">\n'
        f"{_status_badge(comment)}\n"
        f'<span class="comment-body">{comment.body_html}</span>\n'
        f'<span class="comment-meta">— {reader.member(comment.author)} <time datetime="{_iso(created)}">{_comment_time(created)}</time>\n'
        f"\n{flag}\n{tools}</span>\n"
        "</li>\n"
    )


def comment_thread(
    *, comments, answer, question, reader, comment_form=None, form_html=None
) -> str:
    """The comment thread of `answer`, or of `question` when `answer` is None: the comments
    and, for a member, the "Add a comment" link, or the form itself when `comment_form` has
    errors (`form_html(context)` renders it: questions/includes/comments.html#comment-form)."""
    kind, target_id = ("answer", answer.pk) if answer else ("question", question.pk)
    parts = [
        f'<section class="comments" id="comments-{kind}-{target_id}" aria-label="{_thread_label(answer)}">\n'
    ]
    if comments:
        parts.append('<ul class="comment-list">\n')
        parts.extend(_comment(comment, reader) for comment in comments)
        parts.append("</ul>\n")
    if reader.is_authenticated:
        comment_url = (
            reader.url("questions:answer-comment", answer.pk)
            if answer
            else reader.url("questions:question-comment", question.pk)
        )
        if comment_form is not None and comment_form.errors:
            parts.append(
                form_html(
                    {
                        "comment_url": comment_url,
                        "target_kind": kind,
                        "target_id": target_id,
                        "comment_form": comment_form,
                    }
                )
            )
        else:
            parts.append(
                f'<p class="comment-add"><a href="{comment_url}" data-hx-get="{comment_url}" data-hx-target="closest .comment-add" data-hx-swap="outerHTML">Add a comment</a></p>\n'
            )
    parts.append("</section>\n")
    return mark_safe("".join(parts))


_VISITOR_BUTTONS = (
    '<button type="button" class="vote-button vote-up" disabled title="Sign in to vote"><span aria-hidden="true">▲</span><span class="visually-hidden">Upvote</span></button>\n'
    '<span class="vote-score" title="Score"><span class="visually-hidden">Score: </span>{score}</span>\n'
    '<button type="button" class="vote-button vote-down" disabled title="Sign in to vote"><span aria-hidden="true">▼</span><span class="visually-hidden">Downvote</span></button>\n'
)


def vote_box(answer, reader, csrf_token) -> str:
    """The vote box of one answer: up and down buttons around the score (see vote_box.html).
    `answer` may be a VoteResult after an htmx vote: pk, author_id, score and my_vote."""
    pk = answer.pk
    score = int(answer.score)
    if not reader.is_authenticated:
        login = reader.login_url()
        inner = (
            _VISITOR_BUTTONS.format(score=score)
            + f'<a class="vote-signin" href="{login}?next={_e(quote(answer.get_absolute_url(), safe="/"))}">Sign in to vote</a>\n'
        )
    elif answer.author_id == reader.pk:
        inner = f'<span class="vote-score vote-score-own" title="Score of your answer (you can\'t vote on your own answer)"><span class="visually-hidden">Score: </span>{score}</span>\n'
    else:
        vote_url = reader.url("questions:answer-vote", pk)
        my_vote = getattr(answer, "my_vote", None)
        up, down = my_vote == 1, my_vote == -1
        inner = (
            f'<form class="vote-form" method="post" action="{vote_url}" data-hx-post="{vote_url}">\n'
            f"{csrf_input(csrf_token)}\n"
            f'<button type="submit" name="value" value="1" id="vote-up-{pk}" class="vote-button vote-up" aria-pressed="{"true" if up else "false"}" title="{"Undo your upvote" if up else "Upvote: this answer is useful"}"><span aria-hidden="true">▲</span><span class="visually-hidden">Upvote</span></button>\n'
            f'<span class="vote-score" title="Score"><span class="visually-hidden">Score: </span>{score}</span>\n'
            f'<button type="submit" name="value" value="-1" id="vote-down-{pk}" class="vote-button vote-down" aria-pressed="{"true" if down else "false"}" title="{"Undo your downvote" if down else "Downvote: this answer is wrong or unclear"}"><span aria-hidden="true">▼</span><span class="visually-hidden">Downvote</span></button>\n'
            "</form>\n"
        )
    return mark_safe(
        f'<div class="vote-box" id="vote-box-{pk}" data-hx-target="this" data-hx-swap="outerHTML">\n{inner}</div>\n'
    )


def _answer_label(answer) -> str:
    if answer.source_id:
        return f"from {_e(answer.source.title)}"
    author = answer.author
    name = (author.public_name if author is not None else "") or "deleted user"
    return f"by {_e(name)}"


def _answer_header(answer, reader) -> str:
    parts = []
    if answer.is_canonical:
        parts.append('<span class="badge badge-canonical">✓ Canonical answer</span>\n')
    parts.append(_status_badge(answer) + "\n")
    if answer.source_id:
        parts.append(
            f'<span class="badge badge-ref">Reference answer</span> <span>from <cite>{_e(answer.source.title)}</cite></span>\n'
        )
    else:
        parts.append(
            f"<span>{reader.member(answer.author)}</span>\n"
            f'<span class="muted">answered <time datetime="{_iso(_local(answer.created_at))}">{_e(str(naturaltime(answer.created_at)))}</time></span>\n'
        )
    marked_by = answer.canonical_marked_by if answer.is_canonical else None
    if marked_by:
        marked_at = answer.canonical_marked_at
        parts.append(
            f'<span class="muted">marked by {_e(marked_by.public_name)} <time datetime="{_iso(_local(marked_at))}">{_e(str(naturaltime(marked_at)))}</time></span>\n'
        )
    return "".join(parts)


def _answer_actions(answer, reader, csrf_token) -> str:
    pk = answer.pk
    parts = []
    revisions = answer.revision_count
    if revisions > 1:
        edits = revisions - 1
        parts.append(
            f'<a href="{reader.url("questions:answer-history", pk)}">edited {edits} time{_plural(edits)}: history</a>\n'
        )
    elif not answer.source_id:
        parts.append(
            f'<a href="{reader.url("questions:answer-history", pk)}">history</a>\n'
        )
    published = answer.status == PUBLISHED
    if reader.is_moderator and published:
        canonical = answer.is_canonical
        parts.append(
            f'<form class="inline-form" method="post" action="{reader.url("moderation:canonical", pk)}">{csrf_input(csrf_token)}<input type="hidden" name="canonical" value="{"0" if canonical else "1"}"><button type="submit" class="link-button">{"Unmark canonical" if canonical else "Mark canonical"}</button></form>\n'
        )
    mine = reader.is_authenticated and answer.author_id == reader.pk
    if reader.is_authenticated and published and not mine:
        parts.append(
            f'<a href="{reader.url("moderation:flag", "answer", pk)}">Flag</a>\n'
        )
    if mine or reader.is_moderator:
        parts.append(
            f'<a href="{reader.url("questions:answer-edit", pk)}">Edit</a>\n'
            f'<a class="danger-link" href="{reader.url("questions:answer-delete", pk)}">Delete</a>\n'
        )
    return "".join(parts)


def answer_card(answer, reader, csrf_token) -> str:
    """One answer on the question page: vote box, author, text, actions and comment thread
    (`answer.visible_comments`, prefetched by the view; the page's comment form is never bound,
    so the thread has its "Add a comment" link)."""
    classes = "answer"
    if answer.source_id:
        classes += " answer-reference"
    if answer.is_canonical:
        classes += " answer-canonical"
    thread = comment_thread(
        comments=answer.visible_comments,
        answer=answer,
        question=None,
        reader=reader,
    )
    return mark_safe(
        f'<article class="{classes}" id="answer-{answer.pk}" aria-label="Answer {_answer_label(answer)}">\n'
        '<div class="answer-layout">\n'
        f"{vote_box(answer, reader, csrf_token)}"
        '<div class="answer-main">\n'
        f'<header class="answer-header">\n{_answer_header(answer, reader)}</header>\n'
        f'<div class="prose">{markdown_html(answer.body_html)}</div>\n'
        f'<footer class="answer-actions">\n{_answer_actions(answer, reader, csrf_token)}</footer>\n'
        f"{thread}"
        "</div>\n"
        "</div>\n"
        "</article>"
    )


# The box of members' signals (asked in interviews, useful, difficulty): see feedback.html.


def _interview_totals(question, summary) -> str:
    count = question.interview_count
    if not count:
        return "No member has said an interview asked this yet."
    text = f"Asked in <strong>{count}</strong> interview{_plural(count)}"
    roles = summary.roles if summary else None
    if roles:
        text += ": " + ", ".join(f"{n} {_e(str(role))}" for role, n in roles)
    years = summary.years if summary else None
    if years:
        text += f"; {_e(str(years))}"
    companies = summary.companies if summary else None
    if companies:
        text += "; at " + ", ".join(f"{_e(str(name))} ({n})" for name, n in companies)
    return text + "."


def _difficulty_total(question, community_min_ratings) -> str:
    ratings = question.difficulty_rating_count
    if question.difficulty != "unrated":
        text = f'<span class="difficulty difficulty-{_e(str(question.difficulty))}">{_e(str(question.get_difficulty_display()))}</span> (from the source)'
        if ratings:
            text += f"; {ratings} member rating{_plural(ratings)}"
        return text + ".\n"
    if question.community_difficulty != "unrated":
        return f'<span class="difficulty difficulty-{_e(str(question.community_difficulty))}">{_e(str(question.get_community_difficulty_display()))}</span> (the community\'s: the middle of {ratings} ratings).\n'
    return f"not given by its source; {ratings} member rating{_plural(ratings)} so far (the community's difficulty shows from {_e(str(community_min_ratings))}).\n"


def _field(field) -> str:
    help_text = (
        f'<p class="help">{_e(str(field.help_text))}</p>\n' if field.help_text else ""
    )
    return (
        f'<div class="field{" field-error" if field.errors else ""}">\n'
        f'<label for="{_e(str(field.id_for_label))}">{_e(str(field.label))}</label>\n'
        f"{field}\n{help_text}{field.errors}\n</div>\n"
    )


def _feedback_forms(question, reader, csrf_token, form, difficulty_levels) -> str:
    pk = question.pk
    csrf = csrf_input(csrf_token)
    useful_url = reader.url("questions:useful-vote", pk)
    if question.my_useful:
        useful = '<button type="submit" name="useful" value="0" class="button-small" aria-pressed="true">Useful (your vote: take it back)</button>'
    else:
        useful = '<button type="submit" name="useful" value="1" class="button-small button-secondary" aria-pressed="false">Useful to practise</button>'
    mine = question.my_difficulty_rating
    rate_url = reader.url("questions:difficulty-rate", pk)
    levels = "".join(
        f'<label class="check"><input type="radio" name="difficulty" value="{_e(str(value))}"{" checked" if mine == value else ""}> {_e(str(label))}</label> '
        for value, label in difficulty_levels
    )
    said = f' <span class="muted">(you said {_e(str(mine))})</span>' if mine else ""
    remove_rating = (
        '<button type="submit" name="remove" value="1" class="button-small button-secondary">Remove my rating</button>\n'
        if mine
        else ""
    )
    marked = question.my_interview
    interview_url = reader.url("questions:interview-mark", pk)
    return (
        '<div class="feedback-forms">\n'
        f'<form class="inline-form" method="post" action="{useful_url}" data-hx-post="{useful_url}">\n{csrf}\n{useful}\n</form>\n'
        f'<form class="feedback-rate" method="post" action="{rate_url}" data-hx-post="{rate_url}">\n{csrf}\n'
        f"<fieldset>\n<legend>How difficult did you find it?{said}</legend>\n{levels}\n"
        '<button type="submit" class="button-small button-secondary">Rate</button>\n'
        f"{remove_rating}</fieldset>\n</form>\n"
        f'<details class="feedback-interview"{" open" if form.errors else ""}>\n'
        f"<summary>{'You were asked this in an interview: change or remove' if marked else 'I was asked this in an interview'}</summary>\n"
        f'<form method="post" action="{interview_url}" data-hx-post="{interview_url}" novalidate>\n{csrf}\n'
        '<p class="help">All optional. Others see only totals (“5 ML engineer, 3 data scientist; 2024–2026”), never who said what.</p>\n'
        f'{form.non_field_errors()}\n<div class="field-row">\n'
        + "".join(_field(field) for field in form)
        + "</div>\n"
        f'<button type="submit" class="button-small">{"Save changes" if marked else "I was asked this"}</button>\n'
        + (
            '<button type="submit" name="remove" value="1" class="button-small button-secondary">Remove my mark</button>\n'
            if marked
            else ""
        )
        + "</form>\n</details>\n</div>\n"
    )


def feedback_box(
    question,
    reader,
    csrf_token,
    *,
    summary,
    interview_form,
    difficulty_levels,
    community_min_ratings,
    error="",
    saved="",
) -> str:
    """The box of members' signals on a question (feedback.html#feedback-box): totals for
    everyone, the three forms for a member, a sign-in link for a visitor."""
    if error:
        message = f'<p class="form-errors" role="alert">{_e(str(error))}</p>\n'
    elif saved:
        message = f'<p class="feedback-saved" role="status">{_e(str(saved))}</p>\n'
    else:
        message = ""
    useful = question.useful_count
    if reader.is_authenticated:
        actions = _feedback_forms(
            question, reader, csrf_token, interview_form, difficulty_levels
        )
    else:
        after = _e(quote(question.get_absolute_url(), safe="/"))
        actions = f'<p class="muted"><a href="{reader.login_url()}?next={after}%23feedback">Sign in</a> to say an interview asked this, vote it useful or rate its difficulty.</p>\n'
    return mark_safe(
        '<section class="feedback card" id="feedback" aria-labelledby="feedback-heading" data-hx-target="this" data-hx-swap="outerHTML">\n'
        '<h2 id="feedback-heading">In interviews</h2>\n'
        f'{message}<ul class="feedback-totals">\n'
        f'<li class="feedback-asked">{_interview_totals(question, summary)}</li>\n'
        f'<li class="feedback-useful"><strong>{useful}</strong> member{_plural(useful)} found it useful.</li>\n'
        f'<li class="feedback-difficulty">Difficulty:\n{_difficulty_total(question, community_min_ratings)}</li>\n'
        f"</ul>\n{actions}</section>\n"
    )
