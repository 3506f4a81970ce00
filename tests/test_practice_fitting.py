"""Personal FSRS parameters: fitted from a member's log, versioned, replayed exactly."""

import random
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.services import user_delete
from practice.fitting import (
    MIN_REVIEWS,
    REFIT_AFTER,
    fit_weights,
    parameters_fit,
    review_histories,
)
from practice.models import Card, CardState, FsrsParameters, Review
from practice.scheduling import PARAMETERS, apply_review, rebuild_card
from practice.services import item_reveal, review_record, session_start
from practice.tasks import members_due_a_fit, queue_due_fits
from tests.factories import UserFactory
from tests.mail_server import run_worker
from tests.practice_factories import NOW, practisable_question

pytestmark = pytest.mark.django_db


def simulated_log(user, questions, *, reviews, seed=7, memory=0.35, weights=None):
    """About `reviews` reviews of a learner who forgets faster than FSRS's defaults predict
    (their true stability is `memory` times FSRS's): each day every due card is reviewed and
    recalled with the learner's true probability. Written with bulk_create."""
    rng = random.Random(seed)
    start = NOW - timedelta(days=120)
    cards = {
        q.pk: Card(user=user, question=q, due=start, created_at=start)
        for q in questions
    }
    rows = []
    day = 0
    while len(rows) < reviews:
        moment = start + timedelta(days=day, hours=rng.randrange(8, 20))
        for question in questions:
            card = cards[question.pk]
            if len(rows) >= reviews or card.due > moment:
                continue
            if card.last_review is None:
                recalled = rng.random() < 0.7
            else:
                elapsed = (moment - card.last_review).total_seconds() / 86400
                true_stability = memory * card.stability
                recalled = rng.random() < (1 + elapsed / (9 * true_stability)) ** -1
            rating = (3 if rng.random() < 0.85 else 2) if recalled else 1
            before = apply_review(
                card,
                rating=rating,
                reviewed_at=moment,
                desired_retention=0.9,
                weights=weights,
            )
            rows.append((question.pk, rating, moment, before))
            if card.state != CardState.REVIEW:
                # A learning step: graded again the same day once the step has passed.
                moment += timedelta(minutes=11)
        day += 1
    Card.objects.bulk_create(cards.values())
    saved = {c.question_id: c for c in Card.objects.filter(user=user)}
    Review.objects.bulk_create(
        Review(
            user=user,
            card=saved[question_id],
            rating=rating,
            reviewed_at=at,
            retrievability=before,
        )
        for question_id, rating, at, before in rows
    )
    return len(rows)


@pytest.fixture
def bank():
    return [practisable_question() for _ in range(40)]


def test_a_fit_changes_the_parameters_and_predicts_the_member_better(user, bank):
    simulated_log(user, bank, reviews=MIN_REVIEWS + 100)
    fitted = parameters_fit(user=user, now=NOW)
    assert fitted is not None
    assert fitted.version == 1
    assert fitted.review_count == MIN_REVIEWS + 100
    assert len(fitted.weights) == len(PARAMETERS)
    assert fitted.weights_tuple != PARAMETERS
    before, after = fitted.calibration["before"], fitted.calibration["after"]
    # FSRS's defaults over-predict this learner's recall; their own parameters less so.
    assert before["predicted"] - before["actual"] > 0.1
    assert after["log_loss"] < before["log_loss"]
    assert after["rmse_bins"] < before["rmse_bins"]
    assert sum(b["reviews"] for b in after["buckets"]) == after["reviews"] > 50


def test_the_fit_is_deterministic(user, bank):
    simulated_log(user, bank, reviews=MIN_REVIEWS + 50)
    histories = review_histories(user.pk)
    assert fit_weights(histories) == fit_weights(histories)
    first = parameters_fit(user=user)
    second = parameters_fit(user=user, force=True)
    assert (first.version, second.version) == (1, 2)
    assert first.weights == second.weights


def test_no_fit_below_the_threshold_nor_without_new_reviews(user, bank):
    simulated_log(user, bank, reviews=MIN_REVIEWS - 1)
    assert parameters_fit(user=user) is None
    assert parameters_fit(user=user, force=True) is None
    assert not FsrsParameters.objects.exists()

    other = UserFactory()
    simulated_log(other, bank, reviews=MIN_REVIEWS + REFIT_AFTER - 1)
    assert parameters_fit(user=other) is not None
    # Fewer than REFIT_AFTER reviews since: no new version.
    assert parameters_fit(user=other) is None
    assert FsrsParameters.objects.filter(user=other).count() == 1


def test_a_parameter_set_is_never_changed(user, bank):
    simulated_log(user, bank, reviews=MIN_REVIEWS)
    fitted = parameters_fit(user=user)
    fitted.weights = list(PARAMETERS)
    with pytest.raises(ValueError):
        fitted.save()


def _practise(user, moment, ratings, *, size=4):
    session = session_start(user=user, mode="due", size=size, now=moment)
    for rating in ratings:
        item = session.items.filter(review__isnull=True).first()
        if item is None:
            break
        item_reveal(item=item, thought_through=True, now=moment)
        moment += timedelta(minutes=11)
        review_record(item=item, rating=rating, now=moment)
    return session


def test_cards_rebuild_exactly_from_logs_with_mixed_parameter_versions(user):
    for _ in range(4):
        practisable_question()
    moment = NOW
    _practise(user, moment, [3, 1, 3, 4, 3, 3])
    # A fitted set unlike the defaults: a steeper forgetting curve, other stability growth.
    weights = list(PARAMETERS)
    weights[8], weights[20] = 1.2, 0.45
    first = FsrsParameters.objects.create(
        user=user, version=1, weights=weights, review_count=6
    )
    moment += timedelta(days=3)
    session = _practise(user, moment, [3, 1, 3, 2, 3, 3])
    assert session.parameters == first
    weights[8], weights[20] = 2.0, 0.2
    second = FsrsParameters.objects.create(
        user=user, version=2, weights=weights, review_count=12
    )
    moment += timedelta(days=9)
    _practise(user, moment, [2, 3, 4, 1, 3, 3])
    used = set(Review.objects.filter(user=user).values_list("parameters", flat=True))
    assert used == {None, first.pk, second.pk}
    assert Card.objects.filter(user=user, decay=0.2).exists()

    fields = [f.attname for f in Card._meta.concrete_fields]
    differs_with_defaults = False
    for card in Card.objects.filter(user=user):
        reviews = list(card.reviews.all())
        rebuilt = rebuild_card(card, reviews)
        for name in fields:
            assert getattr(rebuilt, name) == getattr(card, name), name
        # The versions matter: replayed with the defaults throughout, some card differs.
        for review in reviews:
            review.parameters_id = None
        plain = rebuild_card(card, reviews)
        differs_with_defaults |= (plain.stability, plain.due) != (
            card.stability,
            card.due,
        )
    assert differs_with_defaults


def test_a_review_records_the_version_its_session_started_with(user):
    for _ in range(3):
        practisable_question()
    session = session_start(user=user, mode="due", size=3, now=NOW)
    fitted = FsrsParameters.objects.create(
        user=user, version=1, weights=list(PARAMETERS), review_count=0
    )
    item = session.items.get()
    item_reveal(item=item, thought_through=True, now=NOW)
    review = review_record(item=item, rating=3, now=NOW + timedelta(minutes=1))
    # The session started before the fit: it keeps the defaults.
    assert review.parameters is None
    later = session_start(user=user, mode="due", size=3, now=NOW + timedelta(days=1))
    assert later.parameters == fitted


def test_the_command_fits_members_with_enough_reviews(user, bank):
    simulated_log(user, bank, reviews=MIN_REVIEWS + 10)
    few = UserFactory()
    simulated_log(few, bank, reviews=20)
    out = StringIO()
    call_command("fit_fsrs_parameters", stdout=out)
    text = out.getvalue()
    assert f"{user.username}: version 1 from {MIN_REVIEWS + 10} reviews" in text
    assert few.username not in text
    assert "1 member(s) fitted" in text
    out = StringIO()
    call_command("fit_fsrs_parameters", user.username, few.username, stdout=out)
    assert f"{user.username}: no fit due" in out.getvalue()
    assert f"{few.username}: no fit due (20 reviews)" in out.getvalue()
    assert FsrsParameters.objects.count() == 1
    with pytest.raises(CommandError, match="nobody-here"):
        call_command("fit_fsrs_parameters", "nobody-here")


def test_deleting_an_account_deletes_its_parameters(user, bank):
    simulated_log(user, bank, reviews=MIN_REVIEWS)
    parameters_fit(user=user)
    _practise(user, NOW + timedelta(days=1), [3, 3])
    user_delete(user=user)
    assert not FsrsParameters.objects.exists()
    assert not Review.objects.exists()


def test_the_progress_page_shows_calibration_before_and_after_the_fit(
    user_client, user, bank
):
    url = reverse("practice:progress")
    simulated_log(user, bank, reviews=MIN_REVIEWS + 20)
    page = user_client.get(url).content.decode()
    assert "FSRS's default parameters schedule your reviews" in page
    assert f"Once you have {MIN_REVIEWS} reviews" in page
    fitted = parameters_fit(user=user)
    page = user_client.get(url).content.decode()
    assert "Scheduled with your own FSRS parameters (version 1)" in page
    for key, label in (("before", "Before the fit"), ("after", "After the fit")):
        part = fitted.calibration[key]
        row = (
            f'<th scope="row">{label}</th><td>{part["reviews"]}</td>'
            f"<td>{round(part['predicted'] * 100)}%</td><td>{round(part['actual'] * 100)}%</td>"
        )
        assert row in page


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_queues_due_fits_and_the_worker_runs_them(bank):
    due, few = UserFactory(), UserFactory()
    simulated_log(due, bank, reviews=MIN_REVIEWS + 5)
    simulated_log(few, bank, reviews=MIN_REVIEWS - 5)
    assert list(members_due_a_fit()) == [due]
    call_command("send_scheduled_mail", stdout=StringIO())
    assert not FsrsParameters.objects.exists()  # queued, never run by the scheduler
    run_worker()
    fitted = FsrsParameters.objects.get()
    assert (fitted.user, fitted.version) == (due, 1)
    assert DBTaskResult.objects.successful().get().return_value == "version 1"
    # Nothing due any more: a second round queues nothing.
    assert queue_due_fits() == 0
    simulated_log(few, [practisable_question() for _ in range(3)], reviews=10)
    assert list(members_due_a_fit()) == [few]
