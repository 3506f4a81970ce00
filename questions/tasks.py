"""Questions' background jobs: rebuilding the related lists after answers changed (their text
is part of what makes two questions related)."""

from datetime import datetime

from jobs.tasks import retrying_task

from .models import SimilaritySnapshot
from .services.related import related_questions_refresh_now


@retrying_task(attempts=3)
def related_questions_rebuild_job(requested_at: str) -> str:
    """Rebuild the related lists, unless a rebuild began after this job was asked for (it
    read the answers then): many answers posted in a row cost one rebuild, not one each."""
    requested = datetime.fromisoformat(requested_at)
    if SimilaritySnapshot.objects.filter(pk=1, started_at__gte=requested).exists():
        return "already rebuilt since"
    report = related_questions_refresh_now()
    if report is None:
        return "bank above REBUILD_ON_SAVE_LIMIT: left to manage.py related_questions"
    return f"{report.changed} of {report.questions} lists changed"
