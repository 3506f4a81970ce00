"""Headings the scrapes lost, restored so their sections are not thrown away.

The scraper dropped every one-word heading (and some acronyms), leaving two
blank lines in its place. The text of those sections survived, but without a
title it can be neither a question page nor part of the answer above it (it
is about something else). Each entry below names such a section by the start
of its first line, as it reads in the shipped document, and gives its title.

- notes (003): titles taken from the upstream README (ShuaiW/ml-interview,
  "### KNN", "### SVM", ...), checked against the repository's text.
- article (002): the term the section's first sentence defines ("Underfitting
  occurs when ..."); the original page could not be checked, so these are the
  only titles in the bank that are not the source's own words.

A section with two blank lines above it that is not listed here is read as
part of the answer above it: in 002 that is right for lost labels such as
"Pros", "Cons", "Bootstrapping" or the steps of an SQL query, which also left
two blank lines behind.
"""

from .normalize import dedup_key

_RESTORED: dict[str, list[tuple[str, str]]] = {
    "notes": [
        ("Given a data point, we compute the K nearest data points", "KNN"),
        ("can perform linear, nonlinear, or outlier detection", "SVM"),
        (
            "To address overfitting, we can use an ensemble method called bagging",
            "Bagging",
        ),
        ("How it works", "Boosting"),
        ("Instead of using trivial functions (such as hard voting)", "Stacking"),
        ("A feedforward neural network where we have multiple layers", "MLP"),
        ("The Conv layer is the building block of a Convolutional Network", "CNN"),
        ("RNN is another paradigm of neural network", "RNN and LSTM"),
        (
            "Shallow, two-layer neural networks that are trained to construct linguistic context",
            "word2vec",
        ),
    ],
    "article": [
        (
            "Multicollinearity refers to the high correlation between input features",
            "Multicollinearity",
        ),
        ("Randomness plays a role in machine learning models", "Random state"),
        ("Underfitting occurs when a model is too simple", "Underfitting"),
        ("Overfitting happens when a model is overly complex", "Overfitting"),
        ("Machine learning (ML) systems, like any software systems", "MLOps"),
        (
            "An epoch represents a complete cycle through the entire training dataset",
            "Epoch",
        ),
        ("\u201cLoss is the penalty for a bad prediction", "Loss"),
        ("\u201cIn AI inference and machine learning, sparsity refers to", "Sparsity"),
        (
            "Inference in a model refers to the process of applying a trained model",
            "Inference",
        ),
    ],
}
# Compare on the de-duplication key so bullets, spacing and hyphens don't matter.
_BY_FORMAT = {
    fmt: [(dedup_key(start), title) for start, title in entries]
    for fmt, entries in _RESTORED.items()
}


def restored_title(fmt: str, first_line: str) -> str | None:
    """The lost heading of the section starting with ``first_line``, if it is known."""
    key = dedup_key(first_line.lstrip(" •"))
    for start, title in _BY_FORMAT.get(fmt, []):
        if key.startswith(start):
            return title
    return None
