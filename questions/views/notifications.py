from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited

from ..models import Notification, Question
from ..services.notifications import notifications_mark_read, question_follow_toggle


@login_required
def notification_list(request):
    """The signed-in user's notifications, newest first."""
    notifications = Notification.objects.filter(recipient=request.user).select_related(
        "actor"
    )
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "questions/notifications.html", {"page": page})


@login_required
def notification_open(request, pk):
    """Mark one notification read and go to what it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    if not url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect("notifications")
    return redirect(notification.url)


@require_POST
@login_required
def notifications_read_all(request):
    notifications_mark_read(user=request.user)
    return redirect("notifications")


@require_POST
@login_required
@rate_limited("follow")
def question_follow(request, pk):
    question = get_object_or_404(Question.objects.published(), pk=pk)
    following = question_follow_toggle(user=request.user, question=question)
    if request.htmx:
        return render(
            request,
            "questions/question_detail.html#follow-button",
            {"question": question, "is_following": following},
        )
    return redirect(question)
