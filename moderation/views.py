from datetime import timedelta
from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.forms import HiddenInput
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import member_can_post_required, refuse
from accounts.ratelimit import rate_limited
from questions.models import (
    Answer,
    AnswerRevision,
    Comment,
    CommentRevision,
    Question,
    QuestionStatus,
    Status,
)
from questions.services.curation import merge_refusal

from . import services
from .audit import post_label
from .filters import AuditLogFilter
from .forms import (
    FlagForm,
    ModerationActionForm,
    PurgeForm,
    QuestionCloseForm,
    QuestionMergeForm,
    RemovedFilterForm,
    SuspendForm,
)
from .models import Flag

POST_MODELS = {
    "answer": Answer,
    "comment": Comment,
    "question": Question,
    # Edits awaiting review (keyed by their revision).
    "answer-edit": AnswerRevision,
    "comment-edit": CommentRevision,
}
EDIT_KINDS = {AnswerRevision: "answer-edit", CommentRevision: "comment-edit"}


def moderator_required(view):
    """Anonymous visitors go to log in; members who are not moderators get a 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_moderator:
            raise PermissionDenied("Only moderators can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def _queue_items():
    """Pending posts and flagged posts, oldest first, each with what a moderator needs to decide."""
    open_flags = Prefetch(
        "flags",
        queryset=Flag.objects.filter(outcome=Flag.Outcome.OPEN).select_related("user"),
        to_attr="open_flags",
    )
    pending = [
        *Answer.objects.filter(
            status=Status.PENDING, deleted_at__isnull=True
        ).select_related("author", "question"),
        *Comment.objects.filter(
            status=Status.PENDING, deleted_at__isnull=True
        ).select_related("author", "answer__question", "question"),
        # Oldest first, as the queue shows them: the order of the partial index on pending rows.
        *Question.objects.filter(status=Status.PENDING)
        .select_related("author", "topic")
        .order_by("created_at"),
    ]
    # IN (open flags' posts) rather than a join and DISTINCT: the open flags come from their
    # index, then each post by its key, and no wide rows are sorted or hashed.
    open_flags_on = Flag.objects.filter(outcome=Flag.Outcome.OPEN)
    flagged = [
        *Answer.objects.filter(
            pk__in=open_flags_on.filter(answer__isnull=False).values("answer_id"),
            deleted_at__isnull=True,
        )
        .select_related("author", "question")
        .prefetch_related(open_flags),
        *Comment.objects.filter(
            pk__in=open_flags_on.filter(comment__isnull=False).values("comment_id"),
            deleted_at__isnull=True,
        )
        .select_related("author", "answer__question", "question")
        .prefetch_related(open_flags),
    ]
    for post in pending + flagged:
        post.kind = services.post_kind(post)
        post.key = f"{post.kind}:{post.pk}"
        post.context_question = _question_of(post)
    pending.sort(key=lambda p: p.created_at)
    flagged.sort(key=lambda p: min(f.created_at for f in p.open_flags))
    return pending, flagged, _pending_edits()


def _pending_edits():
    """Edits of published posts by authors who would still be queued, oldest first."""
    edits = [
        *AnswerRevision.objects.pending().select_related(
            "editor", "answer__question", "answer__author"
        ),
        *CommentRevision.objects.pending().select_related(
            "editor",
            "comment__answer__question",
            "comment__question",
            "comment__author",
        ),
    ]
    for edit in edits:
        edit.kind = EDIT_KINDS[type(edit)]
        edit.key = f"{edit.kind}:{edit.pk}"
        edit.post = services.edited_post(edit)
        edit.context_question = _question_of(edit.post)
    edits.sort(key=lambda e: e.created_at)
    return edits


def _question_of(post):
    if isinstance(post, Question):
        return post
    if isinstance(post, Answer):
        return post.question
    return post.answer.question if post.answer_id else post.question


@moderator_required
def queue(request):
    """The moderation queue: new members' posts and open flags, oldest first, one click each or in bulk."""
    pending, flagged, edits = _queue_items()
    return render(
        request,
        "moderation/queue.html",
        {"pending": pending, "flagged": flagged, "edits": edits},
    )


def _posts_from_keys(keys):
    posts = []
    for key in keys:
        kind, _, pk = key.partition(":")
        if kind not in POST_MODELS or not (pk.isascii() and pk.isdigit()):
            raise Http404("Unknown post.")
        posts.append(get_object_or_404(POST_MODELS[kind].objects.all(), pk=pk))
    return posts


@require_POST
@moderator_required
def act(request):
    """Apply one action to one or several posts from the queue."""
    keys = request.POST.getlist("posts")
    form = ModerationActionForm(request.POST, post_choices=keys)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("moderation:queue")
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    done = 0
    for post in _posts_from_keys(form.cleaned_data["posts"]):
        try:
            _apply(action, request.user, post, reason)
            done += 1
        except services.ModerationRefused as refusal:
            messages.error(request, f"{post_label(post)}: {refusal.message}")
    if done:
        messages.success(
            request,
            f"{dict(ModerationActionForm.ACTIONS)[action]}: {done} post{'s' if done != 1 else ''}.",
        )
    return redirect("moderation:queue")


def _apply(action, moderator, post, reason):
    if isinstance(post, (AnswerRevision, CommentRevision)):
        if action == "approve":
            services.edit_approve(moderator=moderator, revision=post)
        elif action == "reject":
            services.edit_reject(moderator=moderator, revision=post, reason=reason)
        else:
            raise services.ModerationRefused("An edit is approved or rejected.")
    elif action == "approve":
        services.post_approve(moderator=moderator, post=post)
    elif action == "reject":
        services.post_reject(moderator=moderator, post=post, reason=reason)
    elif action == "hide":
        services.post_hide(moderator=moderator, post=post, reason=reason)
    else:
        if isinstance(post, Question):
            raise services.ModerationRefused("Questions are not flagged.")
        services.flags_resolve(
            moderator=moderator,
            post=post,
            helpful=action == "flags_helpful",
            reason=reason,
        )


@moderator_required
def audit_log(request):
    """Every moderation action, newest first, filterable; nobody can change it."""
    log = AuditLogFilter(
        request.GET, queryset=services.AuditLogEntry.objects.select_related("actor")
    )
    page = Paginator(log.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/log.html",
        {"filter": log, "page": page, "query_string": query.urlencode()},
    )


@moderator_required
def member(request, username):
    """A member's record for moderators: activity, suspension, and the purge button."""
    member = get_object_or_404(User.objects.active(), username=username)
    counts = {
        "answers": Answer.objects.filter(author=member)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by(),
        "comments": Comment.objects.filter(author=member)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by(),
    }
    history = services.AuditLogEntry.objects.filter(
        target_type="user", target_id=member.pk
    ).select_related("actor")[:20]
    return render(
        request,
        "moderation/member.html",
        {
            "member": member,
            "counts": counts,
            "history": history,
            "suspend_form": SuspendForm(),
        },
    )


@require_POST
@moderator_required
def member_suspend(request, username):
    member = get_object_or_404(User.objects.active(), username=username)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "moderation/member.html",
            {"member": member, "suspend_form": form, "counts": {}},
            status=400,
        )
    until = timezone.now() + timedelta(days=form.cleaned_data["days"])
    try:
        services.user_suspend(
            moderator=request.user,
            user=member,
            until=until,
            reason=form.cleaned_data["reason"],
        )
    except services.ModerationRefused as refusal:
        return refuse(request, refusal.message, refusal.status)
    messages.success(request, f"{member.username} is suspended until {until:%Y-%m-%d}.")
    return redirect("moderation:member", username=member.username)


@require_POST
@moderator_required
def member_unsuspend(request, username):
    member = get_object_or_404(User.objects.active(), username=username)
    services.user_unsuspend(moderator=request.user, user=member)
    messages.success(request, f"{member.username}'s suspension was lifted.")
    return redirect("moderation:member", username=member.username)


def _purge_context(member, form):
    """What purging this member would do, for the confirmation page."""
    live = {
        "deleted_at__isnull": True,
        "status__in": [Status.PUBLISHED, Status.PENDING],
        "author": member,
    }
    return {
        "member": member,
        "form": form,
        "answers": Answer.objects.filter(**live).count(),
        "comments": Comment.objects.filter(**live).count(),
        "proposals": Question.objects.filter(
            author=member, status=Status.PENDING
        ).count(),
    }


@moderator_required
def member_purge(request, username):
    """Purge a spammer after a confirmation page: suspended indefinitely, every post hidden.

    The reason is required and bounded (PurgeForm); each hidden post can be restored from the
    removed posts, and the suspension lifted, afterwards."""
    member = get_object_or_404(User.objects.active(), username=username)
    form = PurgeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            hidden = services.user_purge(
                moderator=request.user, user=member, reason=form.cleaned_data["reason"]
            )
        except services.ModerationRefused as refusal:
            return refuse(request, refusal.message, refusal.status)
        messages.success(
            request,
            f"{member.username} is suspended and {hidden} of their posts are hidden.",
        )
        return redirect("moderation:member", username=member.username)
    return render(
        request,
        "moderation/purge_confirm.html",
        _purge_context(member, form),
        status=400 if form.is_bound else 200,
    )


REMOVED_PER_PAGE = 25


def _removed_posts(kind, state):
    """One of the four lists of removed posts, newest first, each from its own index."""
    if kind == "answer":
        posts = Answer.objects.select_related("question", "author", "source")
    else:
        posts = Comment.objects.select_related("author", "answer__question", "question")
    posts = posts.select_related("deleted_by").defer("body")
    if state == "deleted":
        return posts.filter(deleted_at__isnull=False).order_by("-deleted_at", "-pk")
    return posts.filter(status=Status.HIDDEN, deleted_at__isnull=True).order_by(
        "-created_at", "-pk"
    )


@moderator_required
def removed(request):
    """Deleted and hidden answers and comments, newest first, each with Restore (audited)."""
    form = RemovedFilterForm(request.GET)
    form.is_valid()  # an unknown value falls back to the default list
    kind = form.cleaned_data.get("kind") or "answer"
    state = form.cleaned_data.get("state") or "deleted"
    page = Paginator(_removed_posts(kind, state), REMOVED_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for post in page:
        post.kind = kind
        post.context_question = _question_of(post)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/removed.html",
        {
            "page": page,
            "kind": kind,
            "state": state,
            "query_string": query.urlencode(),
            "here": request.get_full_path(),
        },
    )


@require_POST
@moderator_required
def restore(request, kind, pk):
    """Bring back a deleted or hidden answer or comment; written to the audit log."""
    if kind not in ("answer", "comment"):
        raise Http404
    post = get_object_or_404(POST_MODELS[kind].objects.all(), pk=pk)
    try:
        post = services.post_restore(moderator=request.user, post=post)
    except services.ModerationRefused as refusal:
        return refuse(request, refusal.message, refusal.status)
    messages.success(request, f"The {kind} is restored.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(post.get_absolute_url())


@require_POST
@moderator_required
def canonical(request, pk):
    """Mark (canonical=1) or unmark (canonical=0) an answer as its question's canonical answer."""
    answer = get_object_or_404(
        Answer.objects.select_related("question"), pk=pk, deleted_at__isnull=True
    )
    mark = request.POST.get("canonical") != "0"
    try:
        services.canonical_set(moderator=request.user, answer=answer, canonical=mark)
    except services.ModerationRefused as refusal:
        return refuse(request, refusal.message, refusal.status)
    messages.success(
        request,
        "Marked as the canonical answer."
        if mark
        else "No longer the canonical answer.",
    )
    return redirect(answer.get_absolute_url())


def _rollback(request, roll_back, label):
    """Roll `post` back to the revision numbered in the form (history pages' buttons)."""
    number = request.POST.get("number", "")
    if not (number.isascii() and number.isdigit()):  # "²".isdigit(), but int("²") fails
        return refuse(request, "Choose a revision to roll back to.", 400)
    try:
        post = roll_back(moderator=request.user, number=int(number))
    except services.ModerationRefused as refusal:
        return refuse(request, refusal.message, refusal.status)
    messages.success(request, f"The {label} was rolled back to revision {number}.")
    return redirect(post.get_absolute_url())  # its title (the address) may have changed


@require_POST
@moderator_required
def rollback(request, pk):
    answer = get_object_or_404(
        Answer.objects.select_related("question"), pk=pk, deleted_at__isnull=True
    )
    return _rollback(
        request,
        partial(services.answer_rollback, answer=answer),
        "answer",
    )


@require_POST
@moderator_required
def question_rollback(request, pk):
    question = _question_for_curation(pk)
    return _rollback(
        request,
        partial(services.question_rollback, question=question),
        "question",
    )


@require_POST
@moderator_required
def comment_rollback(request, pk):
    comment = get_object_or_404(
        Comment.objects.select_related("question", "answer__question"),
        pk=pk,
        deleted_at__isnull=True,
    )
    return _rollback(
        request,
        partial(services.comment_rollback, comment=comment),
        "comment",
    )


@member_can_post_required
@rate_limited("flag")
def flag(request, kind, pk):
    """Flag an answer or a comment for the moderators."""
    if kind not in ("answer", "comment"):
        raise Http404
    post = get_object_or_404(POST_MODELS[kind].objects.visible(), pk=pk)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(
                user=request.user,
                post=post,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except services.ModerationRefused as refusal:
            return refuse(request, refusal.message, refusal.status)
        messages.success(request, "Thank you: the moderators will look at it.")
        return redirect(post.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/flag_form.html",
        {"form": form, "post": post, "kind": kind},
        status=status,
    )


def _question_for_curation(pk):
    """A question moderators may close, reopen or merge: any but one already merged."""
    return get_object_or_404(
        Question.objects.exclude(status=QuestionStatus.MERGED).select_related("topic"),
        pk=pk,
    )


@moderator_required
def question_close(request, pk):
    """Close a question with a reason (the form; without JavaScript too)."""
    question = _question_for_curation(pk)
    form = QuestionCloseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        duplicate_of = None
        if data["duplicate_of"]:
            duplicate_of = Question.objects.filter(pk=data["duplicate_of"]).first()
            if duplicate_of is None:
                form.add_error("duplicate_of", "There is no question with that number.")
        if not form.errors:
            try:
                services.question_close(
                    moderator=request.user,
                    question=question,
                    reason=data["reason"],
                    duplicate_of=duplicate_of,
                    note=data["note"],
                )
            except services.ModerationRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "The question is closed.")
                return redirect(question)
    return render(
        request,
        "moderation/question_close.html",
        {"question": question, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_POST
@moderator_required
def question_reopen(request, pk):
    question = _question_for_curation(pk)
    try:
        services.question_reopen(moderator=request.user, question=question)
    except services.ModerationRefused as refusal:
        return refuse(request, refusal.message, refusal.status)
    messages.success(request, "The question is open again.")
    return redirect(question)


@moderator_required
def question_merge(request, pk):
    """Merge a question into another: the form, then a page saying what moves, then the merge."""
    source = _question_for_curation(pk)
    form = QuestionMergeForm(request.POST if request.method == "POST" else None)
    target = None
    if form.is_bound and form.is_valid():
        target = (
            Question.objects.select_related("topic")
            .filter(pk=form.cleaned_data["target"])
            .first()
        )
        if target is None:
            form.add_error("target", "There is no question with that number.")
        elif refusal := merge_refusal(source, target):
            form.add_error("target", refusal)
            target = None
        elif form.cleaned_data["confirm"]:
            try:
                services.question_merge(
                    moderator=request.user,
                    source=source,
                    target=target,
                    reason=form.cleaned_data["reason"],
                )
            except services.ModerationRefused as refusal:
                return refuse(request, refusal.message, refusal.status)
            messages.success(
                request, f"“{source.title[:80]}” was merged into this question."
            )
            return redirect(target)
        else:
            # The confirmation page: the same form, confirmed, with what the merge moves.
            form = QuestionMergeForm(
                initial={
                    "target": target.pk,
                    "reason": form.cleaned_data["reason"],
                    "confirm": True,
                }
            )
            form.fields["target"].widget = HiddenInput()
    context = {"question": source, "form": form, "target": target}
    if target is not None:
        context["moves"] = {
            "answers": source.answers.filter(deleted_at__isnull=True).count(),
            "comments": source.comments.filter(deleted_at__isnull=True).count(),
            "sources": source.source_links.count(),
            "follows": source.follows.count(),
        }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "moderation/question_merge.html", context, status=status)
