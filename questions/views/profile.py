from django.core.paginator import Paginator

from ..models import Answer


def published_answers(request, member) -> dict:
    """The profile page's list of the member's published answers (accounts.registry)."""
    answers = (
        Answer.objects.visible()
        .filter(author=member)
        .select_related("question")
        .order_by("-created_at")
    )
    return {"answers": Paginator(answers, 20).get_page(request.GET.get("page"))}
