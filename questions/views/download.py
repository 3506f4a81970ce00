from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from ..export import download_lines


@require_GET
def bank_download(request):
    """The published bank for anyone, as JSON Lines: each question with its text, sources (and
    their licence and attribution), reference answers, canonical answer and related questions.

    Streamed a chunk of questions at a time, so its memory does not grow with the bank."""
    lines = (line + "\n" for line in download_lines(request.build_absolute_uri))
    response = StreamingHttpResponse(
        lines, content_type="application/jsonl; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mlqa-question-bank.jsonl"'
    return response
