from django.db import models
from django.db.models import F, Q

from .bank import Question, Status

# How many neighbours are kept per question, and how many a page shows: the spare ones take the
# place of a neighbour that is hidden or deleted until the next rebuild.
RELATED_KEPT = 10
RELATED_SHOWN = 5


class RelatedQuestionQuerySet(models.QuerySet):
    def shown_for(self, question_id, limit=RELATED_SHOWN):
        """The related questions a question's page lists: published ones, best first."""
        return (
            self.filter(question_id=question_id, related__status=Status.PUBLISHED)
            .select_related("related__topic")
            .only(
                "question_id",
                "rank",
                "related",
                "related__title",
                "related__slug",
                "related__kind",
                "related__topic",
                "related__topic__name",
                "related__topic__slug",
            )
            .order_by("rank")[:limit]
        )


class RelatedQuestion(models.Model):
    """One of a question's nearest neighbours by meaning, ranked from 1 (the closest).

    Derived data: rebuilt by questions.services.related from the questions' and answers' text
    (TF-IDF cosine, questions/similarity.py), never edited by hand."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="related_links"
    )
    related = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField(help_text="Cosine similarity, 0 to 1.")

    objects = RelatedQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["question", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "rank"], name="relatedquestion_unique_rank"
            ),
            models.UniqueConstraint(
                fields=["question", "related"], name="relatedquestion_unique_pair"
            ),
            models.CheckConstraint(
                condition=~Q(question=F("related")), name="relatedquestion_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=RELATED_KEPT),
                name="relatedquestion_rank_range",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1.000001),
                name="relatedquestion_score_range",
            ),
        ]

    def __str__(self):
        return f"{self.question_id} → {self.related_id} (#{self.rank})"


class SimilaritySnapshot(models.Model):
    """The similarity index (questions/similarity.py) as the last rebuild of the related lists
    built it, kept for the proposal form: on a bank too big to index in a request it lists the
    questions closest to a typed title from this copy. One row (pk 1); derived data."""

    started_at = models.DateTimeField(
        help_text="When that rebuild began reading the bank."
    )
    built_at = models.DateTimeField()
    question_count = models.PositiveIntegerField()
    # The code's format of `data`: a copy written by other code is not read.
    format = models.PositiveSmallIntegerField()
    data = models.BinaryField(help_text="zlib-compressed pickle of a SimilarityIndex.")

    def __str__(self):
        return f"Similarity index of {self.question_count} questions ({self.built_at})"
