from django.contrib import admin

from .models import (
    Answer,
    AnswerRevision,
    Comment,
    Notification,
    Question,
    QuestionSource,
    Source,
    Topic,
    Vote,
)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("title", "filename", "url")


class QuestionSourceInline(admin.TabularInline):
    model = QuestionSource
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "kind",
        "difficulty",
        "topic",
        "answer_count",
        "has_reference_answer",
        "last_activity_at",
    )
    list_filter = ("kind", "difficulty", "topic", "has_reference_answer")
    search_fields = ("title",)
    list_select_related = ("topic",)
    inlines = [QuestionSourceInline]
    readonly_fields = ("answer_count", "has_reference_answer", "dedup_key")


class AnswerRevisionInline(admin.TabularInline):
    model = AnswerRevision
    extra = 0
    readonly_fields = ("number", "editor", "body", "created_at")


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "author",
        "source",
        "score",
        "is_canonical",
        "created_at",
        "deleted_at",
    )
    list_filter = ("is_canonical", "source")
    raw_id_fields = ("question", "author")
    list_select_related = ("author", "source")
    inlines = [AnswerRevisionInline]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "author", "created_at", "deleted_at")
    raw_id_fields = ("answer", "question", "author")


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("user", "answer", "value", "created_at")
    raw_id_fields = ("user", "answer")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "message", "created_at", "read_at")
    raw_id_fields = ("recipient", "actor")
