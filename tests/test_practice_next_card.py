"""Which card comes next: due first by lowest recall, then new questions ~70% from weak topics."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practice.bookmarks import (
    ListEntry,
    PlanItem,
    PlanSection,
    QuestionList,
    StudyPlan,
)
from practice.models import Card, Mode, PracticeSession, SessionItem
from practice.selectors import next_pick
from practice.services import item_reveal, review_record, session_start
from tests.factories import QuestionFactory, TopicFactory, UserFactory
from tests.practice_factories import (
    NOW,
    bulk_history,
    grade,
    history,
    practisable_question,
)

pytestmark = pytest.mark.django_db

# Items, topics, cards, the member's settings (daily limits, time zone), then new questions
# counted per topic and one taken at a random offset.
NEXT_PICK_QUERIES = 6
# Exactly, with every card due (the test at 10 and at 10,000 reviews): the session's items, its
# topics, then the cards and the member's settings (daily limits), or in a mock interview the
# new questions; a new question costs two more (counted per topic, one taken).
NEXT_PICK_BY_MODE = {
    Mode.DUE: 6,  # the placement samples every topic first: a new question
    Mode.NEW: 6,
    Mode.WEAK: 4,  # a due card of a focus topic
    Mode.MOCK: 4,
    Mode.LIST: 4,  # its due cards first
    Mode.PLAN: 4,
}
W, N, D = SessionItem.Reason.WEAK, SessionItem.Reason.NEW, SessionItem.Reason.DUE


def take(session, count, *, now=NOW):
    """Show up to `count` cards without grading them; return the picks."""
    picks = []
    for _ in range(count):
        pick = next_pick(session, now=now)
        if pick is None:
            break
        SessionItem.objects.create(
            session=session,
            question_id=pick.question_id,
            position=pick.position,
            reason=pick.reason,
            shown_at=now,
        )
        picks.append(pick)
    return picks


def new_session(user, mode=Mode.DUE, size=10, **kwargs):
    topics = kwargs.pop("topics", ())
    session = PracticeSession.objects.create(
        user=user, mode=mode, size=size, started_at=NOW, **kwargs
    )
    session.topics.set(topics)
    return session


def make_weak_topic(user, questions=4):
    """A topic credibly weaker than the member's other (strong) topics, all practised a while ago."""
    start = NOW - timedelta(days=40)
    for _ in range(3):
        strong = TopicFactory()
        for _ in range(4):
            history(user, practisable_question(topic=strong), [3] * 4, start=start)
    topic = TopicFactory()
    for _ in range(questions):
        history(
            user,
            practisable_question(topic=topic),
            [1, 3, 3, 1, 3, 1],
            start=start,
            every=timedelta(days=3),
        )
    return topic


def make_due_cards(user):
    """Three cards graded Easy at different times: two due (the older the less recalled), one not."""
    oldest, older, recent = (practisable_question() for _ in range(3))
    grade(user, oldest, 4, NOW - timedelta(days=60))
    grade(user, older, 4, NOW - timedelta(days=15))
    grade(user, recent, 4, NOW - timedelta(days=1))
    return oldest, older, recent


def test_due_cards_lowest_recall_first_and_new_ones_in_between(user):
    oldest, older, recent = make_due_cards(user)
    fresh = practisable_question()
    picks = take(new_session(user), 10)
    # The new question's topic has not been placed yet (practice.exposure): it comes first;
    # then the due cards, lowest recall first (the share of new ones: test_practice_exposure).
    assert [(p.question_id, p.reason) for p in picks] == [
        (fresh.pk, N),
        (oldest.pk, D),
        (older.pk, D),
    ]  # the card not yet due is not offered


def test_a_question_never_comes_twice_in_a_session(user):
    question = practisable_question()
    session = session_start(user=user, mode=Mode.DUE, size=5, now=NOW)
    item = session.items.get()
    item_reveal(item=item, now=NOW)
    review_record(
        item=item, rating=1, now=NOW + timedelta(seconds=10)
    )  # due again in 1 minute
    session.refresh_from_db()
    assert session.ended_at is not None  # nothing else to show
    later = new_session(user)
    assert take(later, 5, now=NOW + timedelta(hours=1))[0].question_id == question.pk


def test_without_weak_topics_new_questions_come_from_everywhere(user):
    questions = {practisable_question().pk for _ in range(4)}
    picks = take(new_session(user, mode=Mode.NEW), 10)
    assert {p.question_id for p in picks} == questions
    assert {p.reason for p in picks} == {N}


def test_new_mode_skips_due_cards(user):
    make_due_cards(user)
    fresh = practisable_question()
    assert [p.question_id for p in take(new_session(user, mode=Mode.NEW), 5)] == [
        fresh.pk
    ]


def test_questions_without_any_answer_are_not_offered(user):
    QuestionFactory()  # nobody has answered it
    answered = practisable_question()
    assert [p.question_id for p in take(new_session(user), 5)] == [answered.pk]


def test_topic_and_difficulty_filters_apply_to_due_and_new_cards(user):
    chosen = TopicFactory()
    oldest, _, _ = make_due_cards(user)
    easy_due = practisable_question(topic=chosen, difficulty="easy")
    grade(user, easy_due, 4, NOW - timedelta(days=30))
    hard_new = practisable_question(topic=chosen, difficulty="hard")
    easy_new = practisable_question(topic=chosen, difficulty="easy")
    session = new_session(user, topics=[chosen], difficulty="easy")
    # The chosen topic is still in its placement: its new question first.
    assert [p.question_id for p in take(session, 5)] == [easy_new.pk, easy_due.pk]
    assert hard_new.pk and oldest.pk  # filtered out


def test_weak_mode_stays_in_weak_topics(user):
    weak = make_weak_topic(user)
    make_due_cards(user)  # due, but not weak
    new_weak = practisable_question(topic=weak)
    practisable_question()  # new, not weak
    picks = take(new_session(user, mode=Mode.WEAK), 10)
    assert [p.reason for p in picks] == [D, D, D, D, W]
    assert picks[-1].question_id == new_weak.pk
    assert all(
        SessionItem.objects.get(question_id=p.question_id).question.topic_id == weak.pk
        for p in picks
    )


def test_mock_interview_spreads_questions_across_topics(user):
    topics = [TopicFactory() for _ in range(3)]
    for topic in topics:
        for _ in range(3):
            practisable_question(topic=topic)
    session = new_session(
        user, mode=Mode.MOCK, size=3, time_limit=timedelta(minutes=10)
    )
    picks = take(session, 10)
    assert len(picks) == 3  # the session's size
    chosen = {
        SessionItem.objects.get(question_id=p.question_id).question.topic_id
        for p in picks
    }
    assert chosen == {t.pk for t in topics}
    assert {p.reason for p in picks} == {SessionItem.Reason.MOCK}


def test_no_new_card_once_a_mock_interview_is_out_of_time(user):
    for _ in range(3):
        practisable_question()
    session = session_start(
        user=user, mode=Mode.MOCK, size=3, time_limit=timedelta(minutes=5), now=NOW
    )
    item = session.items.get()
    item_reveal(item=item, now=NOW + timedelta(minutes=4))
    review_record(item=item, rating=3, now=NOW + timedelta(minutes=6))
    session.refresh_from_db()
    assert session.items.count() == 1
    assert session.ended_at == NOW + timedelta(minutes=6)


@pytest.mark.parametrize("reviews", [10, 10_000])
def test_choosing_the_next_card_costs_a_fixed_number_of_queries(
    user, reviews, django_assert_max_num_queries
):
    weak = make_weak_topic(user)
    other = TopicFactory()
    questions = [
        practisable_question(topic=weak if i % 3 else other) for i in range(30)
    ]
    bulk_history(user, questions, reviews=reviews)
    for _ in range(5):
        practisable_question()
    session = new_session(user, size=50)
    take(session, 3)
    # The list and plan modes practise these (practice.bookmarks).
    session.question_list = QuestionList.objects.create(user=user, name="Mine")
    session.study_plan = StudyPlan.objects.create(slug="plan", title="Plan")
    section = PlanSection.objects.create(
        plan=session.study_plan, title="One", position=1
    )
    for position, question in enumerate(questions[:10], 1):
        ListEntry.objects.create(question_list=session.question_list, question=question)
        PlanItem.objects.create(section=section, question=question, position=position)
    for mode in Mode.values:
        session.mode = mode
        with django_assert_max_num_queries(NEXT_PICK_QUERIES):
            assert next_pick(session, now=NOW) is not None


def chi_square(observed, expected):
    return sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))


def test_new_questions_are_drawn_uniformly_despite_gaps_in_the_keys(user):
    """Issue 16 item 6: a question after a gap in the keys came first 24% of the time, not 2%."""
    topic, other = TopicFactory(), TopicFactory()
    questions = [practisable_question(topic=topic) for _ in range(6)]
    for _ in range(40):  # a gap of 40 keys before the last question of the topic
        QuestionFactory(topic=topic).delete()
    questions.append(practisable_question(topic=topic))
    questions += [practisable_question(topic=other) for _ in range(7)]
    random.seed(20261203)
    draws = 1400
    session = new_session(user, mode=Mode.NEW)
    firsts = Counter(next_pick(session, now=NOW).question_id for _ in range(draws))
    observed = [firsts[q.pk] for q in questions]
    # 13 degrees of freedom: chi-square exceeds 34.5 with probability 0.001 for a uniform draw.
    assert chi_square(observed, [draws / len(questions)] * len(questions)) < 34.5
    after_gap = firsts[questions[6].pk] / draws
    assert 0.04 < after_gap < 0.11  # 1 in 14 is 0.071
    by_topic = sum(firsts[q.pk] for q in questions[:7]) / draws
    assert 0.45 < by_topic < 0.55  # two topics of 7 questions each: half each


def test_a_closed_question_is_never_drawn_new_but_its_card_stays_reviewable(
    user, moderator
):
    from questions.services.curation import question_close

    due_closed, _, _ = make_due_cards(user)  # the oldest: due, lowest recall
    never_seen = practisable_question()
    open_one = practisable_question()
    for question in (due_closed, never_seen):
        question_close(question=question, by=moderator, reason="off-topic")
    shown = {p.question_id: p.reason for p in take(new_session(user, size=20), 20)}
    assert never_seen.pk not in shown
    assert shown[open_one.pk] == N and shown[due_closed.pk] == D
    assert never_seen.pk not in {
        p.question_id for p in take(new_session(user, mode=Mode.MOCK), 10)
    }
    # From a list: its closed question's card is reviewed; a closed one is never new.
    session = new_session(user, mode=Mode.LIST, size=10)
    session.question_list = QuestionList.objects.create(user=user, name="Mine")
    session.save()
    for question in (due_closed, never_seen, open_one):
        ListEntry.objects.create(question_list=session.question_list, question=question)
    shown = {p.question_id: p.reason for p in take(session, 10)}
    assert shown == {due_closed.pk: D, open_one.pk: N}


def test_choosing_the_next_card_costs_the_same_queries_at_10_and_10000_reviews(db):
    """Issue 14: a fixed number of queries, the same whatever the size of the history.

    Two members practise the same questions, one with 10 reviews and one with 10,000; every
    card is due, so each mode takes the same path for both (new or due, through the same
    selectors) and only the history's size differs. Each pick is counted on a fresh session
    object, as a request would have it."""
    topics = [TopicFactory() for _ in range(3)]
    questions = [practisable_question(topic=topics[i % 3]) for i in range(30)]
    for _ in range(5):
        practisable_question()
    small, large = UserFactory(), UserFactory()
    # The same ten cards: one review each, or a thousand.
    bulk_history(small, questions, reviews=10)
    bulk_history(large, questions[:10], reviews=10_000)
    Card.objects.update(due=NOW - timedelta(hours=1))
    question_list = QuestionList.objects.create(user=large, name="Mine")
    plan = StudyPlan.objects.create(slug="plan", title="Plan")
    section = PlanSection.objects.create(plan=plan, title="One", position=1)
    for position, question in enumerate(questions[:10], 1):
        ListEntry.objects.create(question_list=question_list, question=question)
        PlanItem.objects.create(section=section, question=question, position=position)
    counts = {}
    for member in (small, large):
        random.seed(14)
        session = new_session(member, size=50)
        take(session, 3)
        for mode in Mode.values:
            PracticeSession.objects.filter(pk=session.pk).update(
                mode=mode,
                question_list=question_list if mode == Mode.LIST else None,
                study_plan=plan if mode == Mode.PLAN else None,
                time_limit=timedelta(minutes=30) if mode == Mode.MOCK else None,
            )
            fresh = PracticeSession.objects.get(pk=session.pk)
            with CaptureQueriesContext(connection) as queries:
                assert next_pick(fresh, now=NOW) is not None
            counts[member.pk, mode] = len(queries)
    for mode in Mode.values:
        assert counts[small.pk, mode] == counts[large.pk, mode], mode
        assert counts[large.pk, mode] == NEXT_PICK_BY_MODE[mode], mode
