"""The texts generated posts are made of: a few Markdown templates rendered once, then reused.

Rendering Markdown costs about a millisecond per answer, far too slow for a million answers, so each
answer is an opening paragraph of plain words (whose HTML is known without rendering: `<p>words</p>`)
followed by one of the templates below, rendered once with `render_markdown`. The test suite checks
on a sample that `render_markdown(body) == body_html` still holds for the combinations.
"""

from functools import cached_property

from questions.markdown import render_markdown, render_plain_text

TERMS = """gradient descent|batch normalization|dropout|weight decay|the learning rate|cross-validation|
early stopping|the bias-variance trade-off|logistic regression|a random forest|gradient boosting|
k-means|PCA|the attention mechanism|a transformer|an LSTM|word embeddings|beam search|precision and recall|
the ROC curve|class imbalance|label smoothing|data augmentation|transfer learning|fine-tuning|
the softmax function|the cross-entropy loss|L1 regularization|L2 regularization|the Adam optimizer|
momentum|a convolutional layer|max pooling|residual connections|layer normalization|a decision tree|
naive Bayes|an SVM|the kernel trick|a Gaussian mixture|the EM algorithm|bagging|feature scaling|
one-hot encoding|target leakage|A/B testing|a confusion matrix|the F1 score|perplexity|
a variational autoencoder|a GAN|contrastive learning|knowledge distillation|quantization|
a recommender system|matrix factorization|the cold-start problem|online learning|concept drift|
a feature store""".replace("\n", "").split("|")

OPENERS = [
    "In short,", "The way I think about it,", "Short answer:", "In an interview I would say that",
    "From my experience in production,", "Intuitively,", "The key point is that", "Formally,",
    "A common mistake is to forget that", "To put it simply,", "In practice,", "Roughly speaking,",
    "The textbook answer is that", "Two things matter here, and the first is that", "Put differently,",
    "What interviewers usually want to hear is that",
]  # fmt: skip
CLAIMS = [
    "{term} trades a little bias for a lot less variance",
    "{term} is easiest to explain with a small worked example",
    "{term} only helps when the validation set looks like production data",
    "{term} should be tuned together with the batch size",
    "{term} is cheap to try and easy to get wrong",
    "{term} changes what the loss surface looks like",
    "{term} matters more on small data sets than on large ones",
    "{term} is a regularizer in disguise",
    "{term} is best understood through its failure modes",
    "{term} interacts with the choice of metric",
]  # fmt: skip
CLOSERS = [
    "", "Here is how I would go about it.", "The details are below.", "See the sketch below.",
    "A concrete example helps.", "The math is short.", "Code makes it clearer.",
]  # fmt: skip

ANSWER_TEMPLATES = [
    """The update rule is

$$
\\theta_{t+1} = \\theta_t - \\eta \\nabla_\\theta L(\\theta_t)
$$

where \\( \\eta \\) is the step size. Too large and it diverges, too small and it crawls.""",
    """A minimal version in NumPy:

```python
import numpy as np

def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)  # numerical stability
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
```

Subtracting the maximum changes nothing mathematically but avoids overflow.""",
    """Three things to check, in order:

1. **Data**: is the split leaking information from the future?
2. **Model**: does it overfit a tiny subset? If not, there is a bug.
3. **Metric**: does it match what the business cares about?

Only then tune hyperparameters.""",
    """Compare the two with a table:

| method | bias | variance |
| --- | --- | --- |
| bagging | same | lower |
| boosting | lower | can grow |

Bagging averages *independent* models; boosting fits each model to the previous one's errors.""",
    """The loss is \\( L = -\\sum_i y_i \\log \\hat{y}_i \\), and its gradient with respect to the logits
is simply \\( \\hat{y} - y \\), which is why softmax and cross-entropy are usually fused.""",
    """With scikit-learn:

```python
from sklearn.model_selection import StratifiedKFold, cross_val_score

scores = cross_val_score(model, X, y, cv=StratifiedKFold(n_splits=5, shuffle=True))
print(scores.mean(), scores.std())
```

Report the spread, not just the mean.""",
    """> All models are wrong, but some are useful.

The point is not to find the true model but one whose errors you understand. Look at the
residuals, slice the errors by segment, and ask whether the mistakes are *acceptable* ones.""",
    """The variance of the estimate shrinks like

$$
\\operatorname{Var}(\\bar{x}) = \\frac{\\sigma^2}{n}
$$

so halving the error needs four times the data. That is why collecting more data is often slower
than improving the features.""",
    """A PyTorch training step:

```python
optimizer.zero_grad()
loss = criterion(model(x), y)
loss.backward()
torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
optimizer.step()
```

Gradient clipping keeps one bad batch from undoing hours of training.""",
    """- Start with a simple baseline (a linear model, or even the majority class).
- Add complexity only when the baseline's errors tell you what is missing.
- Keep a held-out test set you look at **once**.

Most wins in practice come from the data, not from the architecture.""",
    """Precision is \\( \\frac{TP}{TP + FP} \\) and recall is \\( \\frac{TP}{TP + FN} \\). Which one
matters depends on the cost of each error: missing a fraud case is usually worse than a false
alarm, so you would tune the threshold for recall.""",
    """Here is the SQL I would use to build the training labels without leakage:

```sql
SELECT u.id, max(e.created_at) < now() - interval '30 days' AS churned
FROM users u LEFT JOIN events e ON e.user_id = u.id
GROUP BY u.id;
```

Note that features must be computed strictly before the label window.""",
]

QUESTION_PATTERNS = [
    "How does {a} interact with {b}?", "When would you choose {a} over {b}?",
    "What goes wrong with {a} when the data is small?", "Explain {a} to a product manager.",
    "How would you debug {a} in production?", "What are the assumptions behind {a}?",
    "Why can {a} hurt {b}?", "How do you evaluate {a}?", "Compare {a} and {b}.",
    "What is the computational cost of {a}?", "Derive the gradient of {a}.",
    "How would you explain {a} in one minute?",
]  # fmt: skip
QUESTION_BODIES = [
    "",
    "",
    "Assume a tabular data set with about a million rows and a binary label.",
    "Give an example where it *fails*, and say how you would notice.",
    "Bonus: write the formula, e.g. \\( f(x) = \\sigma(w^\\top x + b) \\).",
]

COMMENT_TEMPLATES = [
    "Great explanation, thanks!", "Could you add a reference for this?", "This is exactly what I was asked in my interview.",
    "I think the second point is not quite right for small data sets.", "Nice, the code example helps a lot.",
    "What about the case with missing values?", "See also https://en.wikipedia.org/wiki/Regularization_(mathematics) for more.",
    "Does this still hold with batch sizes above 1024?", "The formula is missing a factor of 2, I believe.",
    "Short and to the point. +1", "How would you explain this to a non-technical interviewer?",
    "I would mention the bias-variance trade-off here as well.", "Good answer, but a diagram would help.",
    "This confused me for years, thank you.", "In my experience the data matters more than the model here.",
]  # fmt: skip
COMMENT_SUFFIXES = [
    "",
    "",
    "",
    " Thanks.",
    " Upvoted.",
    " Curious what others think.",
    " :)",
]


class TextBank:
    """The rendered templates, built once per run (a few dozen Markdown renders)."""

    @cached_property
    def answers(self):
        return [(body, render_markdown(body)) for body in ANSWER_TEMPLATES]

    @cached_property
    def question_bodies(self):
        return [
            (body, render_markdown(body) if body else "") for body in QUESTION_BODIES
        ]

    @cached_property
    def comments(self):
        return [
            (text + suffix, render_plain_text(text + suffix))
            for text in COMMENT_TEMPLATES
            for suffix in COMMENT_SUFFIXES
        ]

    def answer(self, rng):
        """(body, body_html) of a new answer: a plain opening paragraph, then a rendered template."""
        term = rng.choice(TERMS)
        opening = f"{rng.choice(OPENERS)} {rng.choice(CLAIMS).format(term=term)}. {rng.choice(CLOSERS)}".strip()
        body, html = rng.choice(self.answers)
        # The opening is letters, spaces and plain punctuation only, so its HTML is itself in <p>.
        return f"{opening}\n\n{body}", f"<p>{opening}</p>\n{html}"

    def question(self, rng):
        a, b = rng.sample(TERMS, 2)
        title = rng.choice(QUESTION_PATTERNS).format(a=a, b=b)
        title = title[0].upper() + title[1:]
        return (title, *rng.choice(self.question_bodies))

    def comment(self, rng):
        return rng.choice(self.comments)
