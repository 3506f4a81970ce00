from django.urls import path

from .views import cards, deck, lists, plans, progress, session

app_name = "practice"

urlpatterns = [
    path("", session.practice_home, name="home"),
    path("start/", session.session_start_view, name="start"),
    path("sessions/<int:pk>/", session.session_detail, name="session"),
    path(
        "sessions/<int:pk>/cards/<int:item_pk>/reveal/",
        session.item_reveal_view,
        name="reveal",
    ),
    path(
        "sessions/<int:pk>/cards/<int:item_pk>/grade/",
        session.item_grade_view,
        name="grade",
    ),
    path(
        "sessions/<int:pk>/cards/<int:item_pk>/set-aside/",
        session.item_set_aside_view,
        name="set-aside",
    ),
    path("sessions/<int:pk>/undo/", session.session_undo_view, name="undo"),
    path("sessions/<int:pk>/end/", session.session_end_view, name="end"),
    path("settings/", session.practice_settings_view, name="settings"),
    path("progress/", progress.progress, name="progress"),
    path("history/", progress.history, name="history"),
    path("history.csv", progress.history_csv, name="history-csv"),
    path("deck.apkg", progress.anki_export, name="anki-export"),
    path("cards/", cards.card_browser, name="cards"),
    path("cards/<int:pk>/", cards.card_detail, name="card"),
    path("cards/<int:pk>/actions/", cards.card_action, name="card-action"),
    path("lists/", lists.list_index, name="lists"),
    path("lists/<int:pk>/", lists.list_detail, name="list"),
    path("lists/<int:pk>/delete/", lists.list_delete_view, name="list-delete"),
    path("lists/<int:pk>/practise/", lists.list_practise, name="list-practise"),
    path(
        "lists/<int:pk>/questions/<int:question_pk>/remove/",
        lists.list_entry_remove_view,
        name="list-remove",
    ),
    path("lists/shared/<str:token>/", lists.list_shared, name="list-shared"),
    path("deck/", deck.own_deck, name="deck"),
    path("deck/<int:pk>/delete/", deck.own_card_delete_view, name="deck-delete"),
    path("deck/<int:pk>/propose/", deck.own_card_propose, name="deck-propose"),
    path("plans/", plans.plan_index, name="plans"),
    path("plans/<slug:slug>/", plans.plan_detail, name="plan"),
    path("plans/<slug:slug>/join/", plans.plan_join_view, name="plan-join"),
    path("plans/<slug:slug>/leave/", plans.plan_leave_view, name="plan-leave"),
    path("plans/<slug:slug>/practise/", plans.plan_practise, name="plan-practise"),
    path(
        "plans/<slug:slug>/sections/",
        plans.plan_section_add_view,
        name="plan-section-add",
    ),
    path(
        "plans/<slug:slug>/questions/", plans.plan_item_add_view, name="plan-item-add"
    ),
    path(
        "plans/<slug:slug>/questions/<int:item_pk>/remove/",
        plans.plan_item_remove_view,
        name="plan-item-remove",
    ),
    path("questions/<int:pk>/save/", lists.question_save, name="question-save"),
    path("questions/<int:pk>/note/", lists.question_note, name="question-note"),
]
