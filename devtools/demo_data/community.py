"""Rows for users, questions, answers, votes, comments, follows, notifications and flags.

Everything is generated question by question in chunks, with explicit primary keys, so that the
counters (Answer.score and comment_count, Question.answer_count and last_activity_at, the one
canonical answer) are known before a row is written and nothing has to be updated afterwards.
Each chunk has its own random generator seeded from (seed, chunk), so the data depends only on
the seed, the counts and the bank that was there before.
"""

import random
from dataclasses import dataclass, field

from questions.models import DIFFICULTY_RANK, Difficulty, Kind, Status

from .allocate import allocate, distinct_picks, quota
from .text import TextBank

USERNAME_PREFIX = "demo-gen-"
DEDUP_PREFIX = "demo-gen-"
SHOWCASE_ANSWERS = 20
SHOWCASE_COMMENTS = 50
# The first generated question: the benchmark's "question page with 20 answers and 50 comments".
SHOWCASE_DEDUP_KEY = f"{DEDUP_PREFIX}00000001"
QUESTIONS_PER_CHUNK = 500
DAY = 86_400
HISTORY_DAYS = 730
# Generated posts and votes stop this long before "now", so no generated vote counts towards a
# member's daily vote limit today and the benchmark's votes are not refused.
QUIET_DAYS = 2
CANONICAL_SHARE = 0.15
QUESTION_COMMENT_SHARE = 0.1


@dataclass
class World:
    """What the generator knows about the database before it starts."""

    seed: int
    users: int
    questions: int
    answers: int
    votes: int
    comments: int
    now: int  # epoch seconds
    topic_ids: list
    seed_question_ids: list  # published questions that were there before, in pk order
    canonical_question_ids: set  # questions that already have a canonical answer
    base: dict = field(default_factory=dict)  # model label -> highest pk before the run

    @property
    def end(self):
        return self.now - QUIET_DAYS * DAY

    @property
    def start(self):
        return self.now - HISTORY_DAYS * DAY

    @property
    def moderators(self):
        return max(1, self.users // 2000)

    def user_id(self, index):
        return self.base["user"] + 1 + index


def username(index: int, width: int = 5) -> str:
    return f"{USERNAME_PREFIX}{index + 1:0{width}d}"


class CommunityGenerator:
    def __init__(self, world: World, text: TextBank | None = None):
        self.w = world
        self.text = text or TextBank()
        self.width = max(5, len(str(world.users)))
        self._plan_questions()

    # --- users ---------------------------------------------------------------------------
    def user_rows(self, password_hash, chunk=5000):
        """(user rows, email rows, moderator group rows) per chunk of users."""
        w = self.w
        for c0 in range(0, w.users, chunk):
            rng = random.Random(f"{w.seed}:users:{c0}")
            users, emails = [], []
            for i in range(c0, min(w.users, c0 + chunk)):
                uid, name = w.user_id(i), username(i, self.width)
                joined = w.start - rng.randrange(0, 180 * DAY)
                display = f"Demo {name[-self.width :]}" if rng.random() < 0.3 else ""
                users.append(
                    (uid, password_hash, None, False, name, "", "", f"{name}@example.com",
                     False, True, joined, display, "", 0, 0, None, None, "")
                )  # fmt: skip
                emails.append(
                    (w.base["email"] + 1 + i, uid, f"{name}@example.com", True, True)
                )
            yield users, emails

    # --- questions and answers -----------------------------------------------------------
    def _plan_questions(self):
        """How many answers each question gets; the showcase question comes first."""
        w = self.w
        rng = random.Random(f"{w.seed}:plan")
        self.showcase = (
            w.questions > 0
            and w.answers >= SHOWCASE_ANSWERS
            and w.users > SHOWCASE_ANSWERS
        )
        generated = [("gen", n) for n in range(w.questions)]
        seeds = [("seed", pk) for pk in w.seed_question_ids]
        self.pool = (
            generated[:1] + seeds + generated[1:]
            if self.showcase
            else seeds + generated
        )
        weights, caps = [], []
        for kind, _ in self.pool:
            weights.append(rng.lognormvariate(0, 1.0) * (3 if kind == "seed" else 1))
            caps.append(w.users - 1 if kind == "gen" else w.users)
        fixed = SHOWCASE_ANSWERS if self.showcase else 0
        if self.showcase:
            weights[0], caps[0] = 0.0, 0
        counts = allocate(w.answers - fixed, weights, caps)
        if self.showcase:
            counts[0] = fixed
        self.answer_counts = counts
        self.answer_offsets = [0]
        for n in counts:
            self.answer_offsets.append(self.answer_offsets[-1] + n)

    def chunks(self):
        for c0 in range(0, len(self.pool), QUESTIONS_PER_CHUNK):
            yield self._chunk(c0, min(len(self.pool), c0 + QUESTIONS_PER_CHUNK))

    def _chunk(self, c0, c1):
        w, text = self.w, self.text
        rng = random.Random(f"{w.seed}:chunk:{c0}")
        rows = {name: [] for name in ("question", "answer", "answerrevision", "vote", "comment",
                                      "commentrevision", "follow", "notification", "flag")}  # fmt: skip
        answers = []  # per answer: [id, qid, author_idx, status, created, body, html, score, comments, q]
        questions = []
        for p in range(c0, c1):
            kind, ref = self.pool[p]
            q = {
                "p": p,
                "generated": kind == "gen",
                "showcase": self.showcase and p == 0,
            }
            if kind == "gen":
                q["id"] = w.base["question"] + 1 + ref
                q["author"] = rng.randrange(w.users)
                q["created"] = rng.randrange(w.start, w.end - DAY)
                title, body, html = text.question(rng)
                q["row"] = [q["id"], title, body, html, ref + 1]
            else:
                q["id"], q["author"], q["created"] = ref, None, w.start
            q["answers"] = []
            a_id = w.base["answer"] + 1 + self.answer_offsets[p]
            authors = distinct_picks(
                rng, w.users, self.answer_counts[p], exclude=q["author"]
            )
            for n, author in enumerate(authors):
                created = min(
                    w.end, q["created"] + int(rng.expovariate(1 / (20 * DAY))) + 60
                )
                status = Status.PUBLISHED if q["showcase"] else _status(rng, 0.03, 0.01)
                body, html = text.answer(rng)
                a = [a_id + n, q["id"], author, status, created, body, html, 0, 0, q]
                answers.append(a)
                q["answers"].append(a)
            questions.append(q)
        self._votes(rng, c0, c1, answers, rows)
        self._comments(rng, c0, c1, answers, questions, rows)
        for q in questions:
            self._finish_question(rng, q, rows)
        return rows

    def _votes(self, rng, c0, c1, answers, rows):
        w = self.w
        a0, a1 = self.answer_offsets[c0], self.answer_offsets[c1]
        total = quota(w.votes, a0, a1, w.answers)
        weights = [
            rng.lognormvariate(0, 1.2) if a[3] == Status.PUBLISHED else 0.0
            for a in answers
        ]
        caps = [w.users - 1 if a[3] == Status.PUBLISHED else 0 for a in answers]
        vote_id = w.base["vote"] + 1 + quota(w.votes, 0, a0, w.answers)
        for a, k in zip(answers, allocate(total, weights, caps), strict=True):
            up_share = rng.choice((0.95, 0.9, 0.8, 0.6, 0.3))
            for voter in distinct_picks(rng, w.users, k, exclude=a[2]):
                value = 1 if rng.random() < up_share else -1
                at = min(w.end, a[4] + int(rng.expovariate(1 / (30 * DAY))) + 30)
                rows["vote"].append((vote_id, w.user_id(voter), a[0], value, at))
                vote_id += 1
                a[7] += value

    def _comments(self, rng, c0, c1, answers, questions, rows):
        w, text = self.w, self.text
        on_questions = int(w.comments * QUESTION_COMMENT_SHARE)
        on_answers = w.comments - on_questions
        a0, a1 = self.answer_offsets[c0], self.answer_offsets[c1]
        comment_id = (
            w.base["comment"]
            + 1
            + quota(on_answers, 0, a0, w.answers)
            + quota(on_questions, 0, c0, len(self.pool))
        )
        # The showcase question's answers carry exactly SHOWCASE_COMMENTS comments between them.
        weights = [
            rng.lognormvariate(0, 1.0) if a[3] == Status.PUBLISHED else 0.0
            for a in answers
        ]
        total = quota(on_answers, a0, a1, w.answers)
        if self.showcase and c0 == 0:
            fixed = min(SHOWCASE_COMMENTS, total)
            counts = allocate(fixed, weights[:SHOWCASE_ANSWERS]) + allocate(
                total - fixed, weights[SHOWCASE_ANSWERS:]
            )
        else:
            counts = allocate(total, weights)
        targets = [
            (a, None) for a, k in zip(answers, counts, strict=True) for _ in range(k)
        ]
        for _ in range(quota(on_questions, c0, c1, len(self.pool))):
            targets.append((None, rng.choice(questions)))
        for answer, question in targets:
            author = rng.randrange(w.users)
            # The showcase question's page shows all of its answers and comments.
            status = (
                Status.PUBLISHED
                if answer and answer[9]["showcase"]
                else _status(rng, 0.02, 0.0)
            )
            body, html = text.comment(rng)
            base = answer[4] if answer else question["created"]
            at = min(w.end, base + int(rng.expovariate(1 / (10 * DAY))) + 60)
            rows["comment"].append(
                (comment_id, answer[0] if answer else None, None if answer else question["id"],
                 w.user_id(author), body, html, status, at, at, None)
            )  # fmt: skip
            revision_id = w.base["commentrevision"] + comment_id - w.base["comment"]
            rows["commentrevision"].append(
                (
                    revision_id,
                    comment_id,
                    1,
                    w.user_id(author),
                    body,
                    at,
                    Status.PUBLISHED,
                )
            )
            if answer and status == Status.PUBLISHED:
                answer[8] += 1
                if answer[2] != author and rng.random() < 0.05:
                    self._notify(rows, answer[2], author, "comment", "commented on your answer to", answer[9], at,
                                 f"#comment-{comment_id}")  # fmt: skip
            if rng.random() < 0.001:
                self._flag(rng, rows, author, None, comment_id, at)
            comment_id += 1

    def _finish_question(self, rng, q, rows):
        w = self.w
        published = [a for a in q["answers"] if a[3] == Status.PUBLISHED]
        canonical = None
        if (
            published
            and q["id"] not in w.canonical_question_ids
            and rng.random() < CANONICAL_SHARE
        ):
            canonical = max(published, key=lambda a: (a[7], -a[4]))
        for a in q["answers"]:
            marked = a is canonical
            marked_at = min(w.end, a[4] + DAY) if marked else None
            rows["answer"].append(
                (a[0], a[1], w.user_id(a[2]), None, a[5], a[6], a[3], a[7], a[8], 1, marked,
                 w.user_id(rng.randrange(w.moderators)) if marked else None, marked_at, a[4], a[4], None)
            )  # fmt: skip
            revision_id = w.base["answerrevision"] + a[0] - w.base["answer"]
            rows["answerrevision"].append(
                (revision_id, a[0], 1, w.user_id(a[2]), a[5], a[4], Status.PUBLISHED)
            )
            rows["follow"].append((w.user_id(a[2]), a[1], a[4]))
            if q["generated"] and a[3] == Status.PUBLISHED and rng.random() < 0.2:
                self._notify(
                    rows,
                    q["author"],
                    a[2],
                    "answer",
                    "New answer on",
                    q,
                    a[4],
                    f"#answer-{a[0]}",
                )
            if a[3] == Status.PUBLISHED and rng.random() < 0.002:
                self._flag(rng, rows, a[2], a[0], None, a[4])
        if not q["generated"]:
            return
        qid, title, body, html, number = q["row"]
        difficulty = rng.choice(list(Difficulty))
        last = max([q["created"]] + [a[4] for a in published])
        q["title"] = title
        rows["question"].append(
            (qid, title, _slug(title), Kind.TOPIC if rng.random() < 0.05 else Kind.QUESTION, difficulty,
             DIFFICULTY_RANK[difficulty], rng.choice(w.topic_ids), body, html, f"{DEDUP_PREFIX}{number:08d}",
             w.user_id(q["author"]), Status.PUBLISHED, len(published), False, q["created"], last)
        )  # fmt: skip
        rows["follow"].append((w.user_id(q["author"]), qid, q["created"]))

    def _notify(self, rows, recipient, actor, kind, verb, q, at, anchor):
        w = self.w
        if recipient is None:
            return
        title = q.get("title") or (q["row"][1] if "row" in q else "a question")
        if kind == "answer":
            message = f"{verb} “{title[:200]}”"
        else:
            message = f"{username(actor, self.width)} {verb} “{title[:200]}”"
        read_at = at + DAY if at < w.end - 30 * DAY else None
        rows["notification"].append(
            (w.user_id(recipient), w.user_id(actor), kind, message[:300],
             f"/questions/{q['id']}/{anchor}", at, read_at)
        )  # fmt: skip

    def _flag(self, rng, rows, author, answer_id, comment_id, at):
        w = self.w
        flagger = rng.randrange(w.users)
        if flagger == author:
            flagger = (flagger + 1) % w.users
        if flagger == author:
            return
        reason = rng.choice(("spam", "rude", "wrong"))
        rows["flag"].append(
            (
                w.user_id(flagger),
                answer_id,
                comment_id,
                reason,
                "",
                "open",
                at + 3600,
                None,
                None,
            )
        )


def _status(rng, pending, hidden):
    r = rng.random()
    if r < pending:
        return Status.PENDING
    if r < pending + hidden:
        return Status.HIDDEN
    return Status.PUBLISHED


def _slug(title):
    from django.utils.text import slugify

    return slugify(title)[:80].strip("-") or "q"
