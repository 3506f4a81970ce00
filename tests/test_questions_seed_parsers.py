"""The seed parsers (questions/seeds), against hand-checked stretches of the shipped documents."""

import json
from pathlib import Path

import pytest

from questions.markdown import render_markdown
from questions.seeds import (
    TOPICS,
    SeedFormatError,
    build_bank,
    dedup_key,
    detect_format,
    parse_document,
    prompt_for,
)
from questions.seeds.answers import is_code, to_markdown
from questions.seeds.normalize import (
    clean_title,
    kind_for_title,
    preferred_title,
    split_difficulty,
)
from questions.seeds.topics import TOPIC_SLUGS, classify

SEED_DIR = Path(__file__).resolve().parent.parent / "questions" / "seed_data"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "seeds"
DOC = {path.name[:3]: path.name for path in SEED_DIR.glob("*.txt")}


def lines_of(prefix: str) -> list[str]:
    return (SEED_DIR / DOC[prefix]).read_text(encoding="utf-8").split("\n")


_PARSED: dict[str, list] = {}


def items_of(prefix: str):
    if prefix not in _PARSED:
        _PARSED[prefix] = parse_document(
            DOC[prefix], (SEED_DIR / DOC[prefix]).read_text(encoding="utf-8")
        )
    return _PARSED[prefix]


def by_line(prefix: str) -> dict:
    return {item.line: item for item in items_of(prefix)}


# Hand-checked fixtures ---------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_stretches_match_hand_checked_fixture(prefix):
    expected = json.loads(
        (FIXTURES / f"{prefix}_expected.json").read_text(encoding="utf-8")
    )
    assert expected["document"] == DOC[prefix]
    in_stretch = [
        {
            "line": item.line, "title": item.title, "kind": item.kind, "difficulty": item.difficulty,
            "section": item.section, "topic": item.topic, "has_answer": bool(item.answer),
        }
        for item in items_of(prefix)
        if any(start <= item.line <= end for start, end in expected["stretches"])
    ]  # fmt: skip
    assert in_stretch == expected["items"]


# Whole documents ------------------------------------------------------------------


def test_whole_documents_parse_to_the_counted_numbers():
    # 000: one item per line with a difficulty mark; 001: the 67 contents
    # entries minus 4 that are not items, plus 2 questions the contents miss
    # and the quoted question under the lead-in; 002 and 003: see the report.
    counts = {
        prefix: (len(items_of(prefix)), sum(1 for i in items_of(prefix) if i.answer))
        for prefix in DOC
    }
    assert counts == {
        "000": (165, 112),
        "001": (66, 66),
        "002": (129, 129),
        "003": (15, 15),
    }
    marked = sum(1 for line in lines_of("000") if split_difficulty(line)[1])
    assert marked == 165


def test_every_item_points_at_its_title_line():
    for prefix in DOC:
        lines = lines_of(prefix)
        for item in items_of(prefix):
            source = lines[item.line - 1]
            assert source.strip(), (prefix, item.line)
            if prefix in (
                "000",
                "001",
            ):  # titles there are always the source line, cleaned
                assert dedup_key(item.title) in dedup_key(source) or dedup_key(
                    source
                ).startswith(dedup_key(item.title)[:30])


def test_formats_are_recognised_by_content():
    assert {prefix: detect_format("\n".join(lines_of(prefix))) for prefix in DOC} == {
        "000": "theory", "001": "toc", "002": "article", "003": "notes",
    }  # fmt: skip


def test_no_table_of_contents_line_becomes_a_question():
    lines = lines_of("001")
    toc_end = next(
        i for i in range(1, len(lines)) if lines[i] and not lines[i][0].isspace()
    )
    assert toc_end == 68
    assert min(item.line for item in items_of("001")) == 70


@pytest.mark.parametrize("prefix", ["001", "002"])
def test_answer_sub_headings_and_lead_ins_are_not_questions(prefix):
    keys = {dedup_key(item.title) for item in items_of(prefix)}
    for title in (
        "Pros", "Cons", "Linear Regression", "Logistic Regression", "Support Vector Machines", "Decision Trees",
        "k-Nearest Neighbor", "k-Means Clustering", "Principal Component Analysis", "Naive Bayes", "ANN", "Adaboost",
        "What is a monotonic relationship?", "Deep Learning Questions", "References", "Citation", "To Add",
        "Data science /#MLinterview are hard - regardless which side of the table you are on.",
        "An important rule to remember is that Correlation doesn't imply causation.",
        "Person 1's rules:", "Approach 4: Use map (dict), and get the frequency count of each element.",
    ):  # fmt: skip
        assert dedup_key(title) not in keys, title


def test_no_code_line_becomes_a_question():
    for prefix in DOC:
        lines = lines_of(prefix)
        for item in items_of(prefix):
            assert not is_code(lines[item.line - 1]), (prefix, item.line)
    # Code lines the scrapes left unfenced, by line number.
    code_lines = {
        "000": [391, 393],
        "001": [290, 297, 303, 462, 470, 799, 806],
        "002": [295, 303, 853, 867, 870, 1074, 1479],
    }
    for prefix, numbers in code_lines.items():
        assert not set(numbers) & set(by_line(prefix)), prefix
        assert all(is_code(lines_of(prefix)[n - 1]) for n in numbers), prefix


def test_titles_are_clean():
    for prefix in DOC:
        for item in items_of(prefix):
            assert item.title == " ".join(item.title.split())
            assert not set(item.title) & {
                "\U0001f476",
                "\u2b50",
                "\U0001f680",
                "\ufe0f",
                "#",
            }, item.title
            assert item.title[0] not in '\u201c\u201d"', item.title
    assert (
        by_line("000")[94].title
        == "What is SGD — stochastic gradient descent? What’s the difference with the usual gradient descent?"
    )
    assert (
        by_line("000")[225].title
        == "What is the area under the PR curve? Is it a useful metric?"
    )
    assert by_line("002")[1035].title == "How do you avoid overfitting?"
    assert (
        by_line("002")[540].title
        == "How to debug when online and offline results are inconsistent"
    )


def test_topics_to_explain_are_imported_as_topics():
    assert by_line("002")[49].kind == "topic"
    assert (
        prompt_for(by_line("002")[49].title, "topic")
        == "Explain: Batch SGD vs Minibatch SGD vs SGD"
    )
    assert by_line("000")[199].kind == "topic"  # "Precision-recall trade-off ⭐️"
    assert all(item.kind == "topic" for item in items_of("003"))
    assert prompt_for("What is dropout?", "question") == "What is dropout?"


def test_difficulty_only_where_the_source_gives_it():
    assert {item.difficulty for item in items_of("000")} == {"easy", "medium", "hard"}
    for prefix in ("001", "002", "003"):
        assert {item.difficulty for item in items_of(prefix)} == {"unrated"}
    assert by_line("000")[775].difficulty == "hard"  # "⭐️🚀"


def test_lost_sections_are_dropped_not_merged_into_the_answer_above():
    # 002: "Underfitting" lost its heading; its text is its own item, not the end of "Data leaks".
    assert "Underfitting occurs" not in by_line("002")[330].answer
    assert by_line("002")[343].title == "Underfitting"
    assert "Underfitting occurs" in by_line("002")[343].answer
    # The Pros/Cons block whose heading is missing in 002 is not appended to the answer above it.
    assert (
        "Simple to implement and efficient to train" not in by_line("002")[608].answer
    )
    # The labels lost inside an answer stay in it (Bagging vs Boosting's sub-sections).
    assert "Bootstrap Aggregation" in by_line("002")[1752].answer
    # 003: sections with a lost heading get the README's title; the cookie notice is dropped.
    assert [i.title for i in items_of("003")][2:4] == ["KNN", "SVM"]
    assert not any("cookies" in i.answer for i in items_of("003"))
    assert "decision tree\n" not in by_line("003")[91].answer + "\n"  # image alt text


# Dedup ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "What is convergence in k-means clustering?",
            "What is convergence in kmeans clustering?",
        ),
        ("Computing self-attention", "Computing selfattention"),
        ("a real-world problem?", "a realworld problem?"),
        ("What is overfitting? 👶", "what is OVERFITTING"),
        (
            "What is SGD  —  stochastic gradient descent?",
            "What is SGD - stochastic gradient descent",
        ),
        ("Pearson’s r", "Pearson's r"),
    ],
)
def test_dedup_key_ignores_case_punctuation_hyphens_and_emoji(a, b):
    assert dedup_key(a) == dedup_key(b)


def test_dedup_key_fits_the_column():
    assert len(dedup_key("word " * 200)) <= 300
    assert dedup_key("word " * 200) != dedup_key("word " * 201)


def test_questions_in_001_and_002_become_one_question_with_both_sources():
    bank, stats = build_bank(
        [(DOC[p], items_of(p)) for p in ("000", "001", "002", "003")]
    )
    merged = {stat.document[:3]: stat.merged for stat in stats}
    assert merged == {"000": 0, "001": 0, "002": 64, "003": 0}
    by_key = {q.key: q for q in bank}
    kmeans = by_key[dedup_key("What is convergence in kmeans clustering?")]
    assert (
        kmeans.title == "What is convergence in k-means clustering?"
    )  # the spelling with its hyphen
    assert [(s.document[:3], s.line) for s in kmeans.sources] == [
        ("001", 97),
        ("002", 604),
    ]
    assert set(kmeans.reference_answers()) == {DOC["001"], DOC["002"]}
    resnet = by_key[
        dedup_key("How does ResNet-50 solve the vanishing gradients problem of VGG-16?")
    ]
    assert (
        resnet.title
        == "How does ResNet-50 solve the vanishing gradients problem of VGG-16?"
    )
    assert len(bank) == 165 + 66 + 129 + 15 - 64
    assert len({q.key for q in bank}) == len(bank)


def test_preferred_title_keeps_hyphens():
    assert (
        preferred_title(
            [
                "Explain the longtailed distribution",
                "Explain the long-tailed distribution",
            ]
        )
        == "Explain the long-tailed distribution"
    )
    assert preferred_title(["Same", "Same"]) == "Same"


# Topics --------------------------------------------------------------------------


def test_topic_vocabulary():
    assert 15 <= len(TOPICS) <= 25
    assert len(TOPIC_SLUGS) == len(TOPICS) == len({t.name for t in TOPICS})
    assert all(t.description.endswith(".") and len(t.description) > 60 for t in TOPICS)
    for prefix in DOC:
        assert {item.topic for item in items_of(prefix)} <= TOPIC_SLUGS


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("How does L2 regularization look like in a linear model?", "regularization"),
        ("Explain the linear regression model and discuss its assumption?", "linear-models"),
        ("What is convergence in kmeans clustering?", "clustering"),
        ("Explain briefly batch gradient descent, stochastic gradient descent, and minibatch gradient descent? List the pros and cons of each.", "optimization"),
        ("Popular machine learning models: Pros and Cons.", "classical-models"),
        ("Why should we use Batch Normalization?", "neural-networks"),
        ("What is the difference between standardization and normalization?", "data-preparation"),
        ("What is the Vanishing Gradient Problem and how do you fix it?", "neural-networks"),
        ("Explain the long-tailed distribution and provide three examples. Why are they important in classification and regression problems?", "probability-statistics"),
        ("What are joins in SQL and discuss its types?", "data-engineering"),
        ("Given two arrays, write a python function to return the intersection of the two.", "coding"),
        ("Briefly explain the A/B testing and its application?", "experimentation"),
        ("Bagging vs Boosting", "trees-ensembles"),
        ("Parametric vs Nonparametric", "ml-fundamentals"),
        ("Batch Inference vs Online Inference", "mlops"),
        ("What are some drawbacks of the Transformer?", "transformers"),
        ("What is the cold start problem?", "recommender-systems"),
        ("word2vec", "nlp"),
    ],
)  # fmt: skip
def test_topic_keyword_rules(text, slug):
    assert classify(text) == slug


def test_topic_from_section_heading_where_there_is_one():
    item = by_line("000")[86]  # "What is gradient descent?" under "Linear regression"
    assert (item.section, item.topic) == ("Linear regression", "linear-models")
    assert (
        by_line("000")[497].topic == "optimization"
    )  # "Optimization in neural networks"
    assert (
        by_line("000")[301].topic == "linear-models"
    )  # lost heading: shares the question before it


# Titles, kinds and difficulty ----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "title", "difficulty"),
    [
        ("What is overfitting? 👶", "What is overfitting?", "easy"),
        ("What are the main assumptions of linear regression? ⭐", "What are the main assumptions of linear regression?", "medium"),
        ("Is it a useful metric? ⭐️I", "Is it a useful metric?", "medium"),
        ("Possible approaches to solving the cold start problem? ⭐️🚀", "Possible approaches to solving the cold start problem?", "hard"),
        ("What is supervised learning?", "What is supervised learning?", None),
    ],
)  # fmt: skip
def test_difficulty_marks(line, title, difficulty):
    assert split_difficulty(line)[1] == difficulty
    assert clean_title(line) == title


def test_clean_title():
    assert (
        clean_title("how to debug when online  and offline results are inconsistent")
        == "How to debug when online and offline results are inconsistent"
    )
    assert (
        clean_title("What do you do when you have a low amount of data")
        == "What do you do when you have a low amount of data?"
    )
    assert (
        clean_title("“What is the most complex concept you came across?”")
        == "What is the most complex concept you came across?"
    )
    assert clean_title("Paramteric vs Nonparametric") == "Parametric vs Nonparametric"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Batch SGD vs Minibatch SGD vs SGD", "topic"),
        ("Learning rate schedules", "topic"),
        ("Small file and big file problem in Big data", "topic"),
        ("Define correlation", "question"),
        (
            "Given an integer array, return the maximum product of any three numbers in the array.",
            "question",
        ),
        ("Describe learning rate schedule/annealing.", "question"),
        ("When to remove Sparsity and how?", "question"),
    ],
)
def test_kind_for_title(title, kind):
    assert kind_for_title(title) == kind


# Answers as Markdown ---------------------------------------------------------------


def test_unanswered_questions_have_no_answer():
    answers = by_line("000")
    assert answers[250].answer == ""  # "Answer here"
    assert answers[197].answer == ""  # nothing before the next question
    assert (
        answers[323].answer == ""
    )  # "Here are some of the feature selections:" (the list was lost)
    assert answers[450].answer == ""  # "For specifics, refer to the above answer."
    assert (
        answers[10].answer
        == "A case when we have both features (the matrix X) and the labels (the vector y)"
    )


def test_lists_become_markdown_lists():
    answer = by_line("000")[40].answer
    assert (
        "\n1. Linear relationship between features and target variable.\n2. Additivity"
        in answer
    )
    assert (
        "\n    - 1\\. No correlation between errors" in answer
    )  # nested numbers kept as text
    html = render_markdown(answer)
    assert html.count("<li>") == 7
    bullets = by_line("002")[9].answer
    assert bullets.startswith("- Regularization: this will help reduce variance")


def test_001_single_space_bullets_become_lists():
    answer = by_line("001")[99].answer
    assert answer.startswith("- Insufficient quantity of training data:")
    assert answer.count("\n- ") == 5


def test_math_survives_for_katex():
    inline = by_line("001")[70].answer
    assert r"\(O(T^2 d)\)" in inline
    aligned = by_line("001")[544].answer
    assert (
        "\n\n\\[\\begin{aligned}" in aligned
    )  # display math on a paragraph of its own
    html = render_markdown(aligned, mathml=False)  # the TeX, before MathML
    assert '<div class="arithmatex">\\[\\begin{aligned}' in html
    assert html.count('class="arithmatex"') == 3
    dollars = by_line("001")[
        843
    ].answer  # single dollars become \( \): the site's inline syntax
    assert r"layer \(l+t\)" in dollars and "$" not in dollars
    in_bullet = by_line("002")[
        1817
    ].answer  # \[ \] inside a bullet becomes inline display math
    assert r"- \(\displaystyle Number of steps per EPOCH" in in_bullet


def test_code_becomes_fenced_blocks():
    sql = by_line("001")[455].answer
    assert (
        "```sql\nSELECT DISTINCT column, AGG_FUNC(column_or_expression), …\nFROM mytable\n"
        in sql
    )
    python = by_line("002")[257].answer
    assert "```python\nimport pandas as pd\n" in python
    assert (
        "\n# Load the movie ratings data\nratings_data = pd.read_csv" in python
    )  # comments stay in the block
    r_code = by_line("000")[387].answer
    assert "```r\nrf <- foreach(" in r_code
    table = by_line("000")[186].answer
    assert (
        "```\n    Actual Actual\n    Positive (1) Negative (0)\nPredicted Positive (1) TP FP\nPredicted Negative (0) FN TN\n```"
        in table
    )


def test_inline_code_split_by_the_scrape_is_rejoined():
    assert "We can use the `heapq` library to sort" in by_line("001")[625].answer


def test_sub_headings_become_bold():
    answer = by_line("001")[106].answer
    assert answer.startswith(
        "**Linear Regression**\n\n**Pros**\n\n- Simple to implement"
    )
    assert "**kNearest Neighbor**" in answer


def test_markdown_syntax_in_text_is_escaped():
    markdown = to_markdown(
        ["y = a*b for n_estimators", "", "Text with a*b and n_estimators and p<alpha."]
    )
    assert markdown.startswith("```\ny = a*b for n_estimators\n```")
    assert "a\\*b and n\\_estimators and p&lt;alpha." in markdown
    assert render_markdown("- # not a heading") != render_markdown(
        to_markdown(["# not a heading"])
    )


def test_title_lead_in_moves_into_the_answer():
    answer = by_line("001")[428].answer
    assert answer.startswith("Try one (or more) of the following:\n\n")


# Errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n\n  ", "empty"),
        ("Just a paragraph of prose.\n\nAnother one.", "unrecognised format"),
    ],
)
def test_bad_documents_raise_naming_the_file(text, reason):
    with pytest.raises(SeedFormatError) as excinfo:
        parse_document("broken.txt", text)
    assert str(excinfo.value).startswith("broken.txt: ")
    assert reason in str(excinfo.value)


def test_a_recognised_document_without_items_is_an_error():
    text = "\n".join(["Title", *(f"  • bullet {n}" for n in range(12))])
    with pytest.raises(SeedFormatError, match="no interview items"):
        parse_document("bullets.txt", text)
