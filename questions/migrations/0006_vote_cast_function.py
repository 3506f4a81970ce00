"""mlqa_vote_cast: a vote as one PostgreSQL function call (questions.services.votes).

A vote through the ORM is eleven statements, and compiling them costs more than the database's
work. On PostgreSQL the same steps run inside this function in one round trip, with plans
PL/pgSQL caches. The numbers (daily limit, reputation points, the published status) are
arguments, so they live only in Python; tests/test_questions_votes.py checks that the function
and the ORM path agree on every sequence of votes. SQLite keeps the ORM path.

The steps and the lock order are the ORM path's: the answer row, its question (no key update),
then the voter and the author in primary-key order.
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION mlqa_vote_cast(
    p_user bigint,
    p_answer bigint,
    p_value smallint,
    p_now timestamptz,
    p_window interval,
    p_daily_limit integer,
    p_up_points integer,
    p_down_points integer,
    p_published text,
    OUT out_outcome text,
    OUT out_score integer,
    OUT out_my_vote smallint,
    OUT out_question bigint,
    OUT out_author bigint
) LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
    v_deleted timestamptz;
    v_old_score integer;
    v_top integer;
    v_vote bigint;
    v_old smallint;
    v_points integer;
BEGIN
    SELECT a.question_id, a.author_id, a.status, a.deleted_at, a.score
      INTO out_question, out_author, v_status, v_deleted, v_old_score
      FROM questions_answer AS a WHERE a.id = p_answer FOR UPDATE;
    IF NOT FOUND OR v_deleted IS NOT NULL OR v_status <> p_published THEN
        out_outcome := 'not_published';
        RETURN;
    END IF;
    IF out_author = p_user THEN
        out_outcome := 'own_answer';
        RETURN;
    END IF;
    SELECT q.top_score INTO v_top
      FROM questions_question AS q WHERE q.id = out_question FOR NO KEY UPDATE;
    PERFORM 1 FROM accounts_user AS u
      WHERE u.id = p_user OR u.id = out_author ORDER BY u.id FOR UPDATE;

    SELECT v.id, v.value INTO v_vote, v_old
      FROM questions_vote AS v WHERE v.user_id = p_user AND v.answer_id = p_answer;
    IF v_vote IS NULL THEN
        IF (SELECT count(*) FROM questions_vote AS v
              WHERE v.user_id = p_user AND v.created_at >= p_now - p_window) >= p_daily_limit THEN
            out_outcome := 'daily_limit';
            RETURN;
        END IF;
        INSERT INTO questions_vote (user_id, answer_id, value, created_at)
          VALUES (p_user, p_answer, p_value, p_now);
        out_my_vote := p_value;
    ELSIF v_old = p_value THEN
        DELETE FROM questions_vote WHERE id = v_vote;
        out_my_vote := NULL;
    ELSE
        UPDATE questions_vote SET value = p_value WHERE id = v_vote;
        out_my_vote := p_value;
    END IF;

    out_score := v_old_score + coalesce(out_my_vote, 0) - coalesce(v_old, 0);
    IF out_score <> v_old_score THEN
        UPDATE questions_answer SET score = out_score WHERE id = p_answer;
    END IF;
    -- top_score: raised when this answer passes it; recounted when the best answer went down.
    IF out_score > v_old_score AND (v_top IS NULL OR out_score > v_top) THEN
        UPDATE questions_question SET top_score = out_score WHERE id = out_question;
    ELSIF out_score < v_old_score AND (v_top IS NULL OR v_old_score >= v_top) THEN
        UPDATE questions_question SET top_score = (
            SELECT a.score FROM questions_answer AS a
             WHERE a.question_id = out_question AND a.deleted_at IS NULL
               AND a.status = p_published
             ORDER BY a.score DESC LIMIT 1
        ) WHERE id = out_question;
    END IF;
    v_points := (CASE out_my_vote WHEN 1 THEN p_up_points WHEN -1 THEN p_down_points ELSE 0 END)
              - (CASE v_old WHEN 1 THEN p_up_points WHEN -1 THEN p_down_points ELSE 0 END);
    IF out_author IS NOT NULL AND v_points <> 0 THEN
        UPDATE accounts_user SET reputation = reputation + v_points WHERE id = out_author;
    END IF;
    out_outcome := 'ok';
END
$$
"""

DROP_FUNCTION = (
    "DROP FUNCTION IF EXISTS mlqa_vote_cast("
    "bigint, bigint, smallint, timestamptz, interval, integer, integer, integer, text)"
)


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0005_question_pending_idx"),
        ("accounts", "0004_user_approved_post_count"),
    ]

    operations = [migrations.RunPython(create_function, drop_function)]
