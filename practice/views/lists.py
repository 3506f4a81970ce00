"""A member's lists and notes: create, rename, share and practise lists; keep a private note
per question. Lists and notes are looked up with `user=request.user` in the query, so another
member's are a 404; a public list is shown to anyone only through its share link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from accounts.ratelimit import rate_limited
from questions.models import Question, QuestionStatus, Status

from ..bookmark_forms import NoteForm, QuestionListForm, SaveToListsForm
from ..bookmark_services import (
    list_create,
    list_delete,
    list_entry_remove,
    list_update,
    note_save,
    question_lists_set,
)
from ..bookmarks import QuestionList, QuestionNote
from ..models import Mode
from ..selectors import practice_settings
from ..services import NothingToPractise, PracticeRefused, session_start


def _own_list(request, pk):
    return get_object_or_404(QuestionList, pk=pk, user=request.user)


def _list_questions(question_list):
    """The list's questions still in the bank, in the order they were added."""
    return list(
        Question.objects.published()
        .filter(pk__in=question_list.entries.values("question_id"))
        .select_related("topic")
        .defer("search_vector", "body_html")
        .order_by("pk")
    )


@login_required
@rate_limited("bookmark")
def list_index(request):
    """The member's lists, and a form to start a new one."""
    form = QuestionListForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = list_create(user=request.user, **form.cleaned_data)
            except PracticeRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, f"The list “{created.name}” was created.")
                return redirect(created)
        status = 400
    lists = QuestionList.objects.filter(user=request.user).annotate(
        size=Count("entries", filter=Q(entries__question__status="published"))
    )
    return render(
        request, "practice/lists.html", {"lists": lists, "form": form}, status=status
    )


@login_required
@rate_limited("bookmark")
def list_detail(request, pk):
    """One of the member's lists: its questions, its settings, practise it."""
    question_list = _own_list(request, pk)
    form = QuestionListForm(
        request.POST or None, instance=question_list, user=request.user
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            list_update(question_list=question_list, **form.cleaned_data)
            messages.success(request, "The list was saved.")
            return redirect(question_list)
        question_list.refresh_from_db()
        status = 400
    questions = _list_questions(question_list)
    notes = dict(
        QuestionNote.objects.filter(
            user=request.user, question__in=questions
        ).values_list("question_id", "body")
    )
    for question in questions:
        question.my_note = notes.get(question.pk, "")
    share_url = request.build_absolute_uri(question_list.get_share_url())
    return render(
        request,
        "practice/list_detail.html",
        {
            "question_list": question_list,
            "questions": questions,
            "form": form,
            "share_url": share_url,
        },
        status=status,
    )


@login_required
@require_POST
@rate_limited("bookmark")
def list_delete_view(request, pk):
    question_list = _own_list(request, pk)
    list_delete(question_list=question_list)
    messages.success(request, f"The list “{question_list.name}” was deleted.")
    return redirect("practice:lists")


@login_required
@require_POST
@rate_limited("bookmark")
def list_entry_remove_view(request, pk, question_pk):
    question_list = _own_list(request, pk)
    list_entry_remove(question_list=question_list, question_id=question_pk)
    messages.success(request, "The question was taken off the list.")
    return redirect(question_list)


@login_required
@require_POST
@rate_limited("practice_start")
def list_practise(request, pk):
    """Start a session on the list's questions: due ones, new ones, then early reviews."""
    question_list = _own_list(request, pk)
    try:
        session = session_start(
            user=request.user,
            mode=Mode.LIST,
            question_list=question_list,
            size=practice_settings(request.user).session_size,
        )
    except NothingToPractise:
        messages.info(
            request,
            "Nothing to practise in this list: add questions that have an answer to compare with.",
        )
        return redirect(question_list)
    return redirect(session)


@require_safe
def list_shared(request, token):
    """A public list through its share link, for anyone (never its owner's notes)."""
    question_list = get_object_or_404(
        QuestionList.objects.select_related("user"), share_token=token, is_public=True
    )
    return render(
        request,
        "practice/list_shared.html",
        {"question_list": question_list, "questions": _list_questions(question_list)},
    )


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _save_page(request, question, *, lists_form=None, note_form=None, status=200):
    note = QuestionNote.objects.filter(user=request.user, question=question).first()
    if lists_form is None:
        chosen = QuestionList.objects.filter(
            user=request.user, entries__question=question
        )
        lists_form = SaveToListsForm(user=request.user, initial={"lists": list(chosen)})
    if note_form is None:
        note_form = NoteForm(initial={"body": note.body if note else ""})
    return render(
        request,
        "practice/question_save.html",
        {
            "question": question,
            "lists_form": lists_form,
            "note_form": note_form,
            "note": note,
        },
        status=status,
    )


@login_required
@rate_limited("bookmark")
def question_save(request, pk):
    """Put a question in some of the member's lists (or a new one); its note below."""
    question = get_object_or_404(Question.objects.published(), pk=pk)
    if request.method != "POST":
        return _save_page(request, question)
    form = SaveToListsForm(request.POST, user=request.user)
    if not form.is_valid():
        return _save_page(request, question, lists_form=form, status=400)
    list_ids = [chosen.pk for chosen in form.cleaned_data["lists"]]
    if form.cleaned_data["new_list"]:
        try:
            created = list_create(user=request.user, name=form.cleaned_data["new_list"])
        except PracticeRefused as refused:
            form.add_error("new_list", refused.message)
            return _save_page(request, question, lists_form=form, status=400)
        list_ids.append(created.pk)
    question_lists_set(user=request.user, question=question, list_ids=list_ids)
    messages.success(request, "Your lists were saved.")
    return redirect("practice:question-save", pk=question.pk)


@login_required
@require_POST
@rate_limited("bookmark")
def question_note(request, pk):
    """Keep (or, emptied, delete) the member's private note on a question (or the back of a
    card of their own deck)."""
    notable = Question.objects.filter(
        Q(status=Status.PUBLISHED)
        | Q(status=QuestionStatus.PRIVATE, author=request.user)
    )
    question = get_object_or_404(notable, pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        if question.status == QuestionStatus.PRIVATE:
            messages.error(request, form.errors["body"][0])
            return redirect(_safe_next(request, reverse("practice:deck")))
        return _save_page(request, question, note_form=form, status=400)
    note_save(user=request.user, question=question, body=form.cleaned_data["body"])
    messages.success(request, "Your note was saved.")
    fallback = reverse(
        "practice:deck"
        if question.status == QuestionStatus.PRIVATE
        else "practice:question-save",
        **(
            {} if question.status == QuestionStatus.PRIVATE else {"args": [question.pk]}
        ),
    )
    return redirect(_safe_next(request, fallback))
