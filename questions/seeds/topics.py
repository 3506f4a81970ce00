"""The fixed vocabulary of ML interview topics, and the keyword rules that assign them.

Every question gets exactly one topic. Where a document files its questions
under section headings (000), the heading decides; otherwise the title does,
and when the title names nothing the start of the answer does.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    description: str


TOPICS: list[Topic] = [
    Topic("ml-fundamentals", "ML fundamentals", "What learning from data means: supervised and unsupervised learning, the bias-variance trade-off, overfitting and underfitting, generative versus discriminative and parametric versus non-parametric models, and how to reason about why a model fails to generalise."),
    Topic("linear-models", "Linear and logistic regression", "Linear regression and its assumptions, least squares and the normal equation, interpreting coefficients, and logistic regression as the linear model for classification."),
    Topic("regularization", "Regularization", "Keeping models simple enough to generalise: L1 (lasso), L2 (ridge) and elastic net penalties, how they shrink weights, sparsity, and how to choose the regularization strength."),
    Topic("model-evaluation", "Evaluation and validation", "Measuring a model honestly: train, validation and test splits, cross-validation, regression and classification metrics (accuracy, precision, recall, F1, ROC and PR curves) and hyper-parameter tuning."),
    Topic("data-preparation", "Data preparation and features", "Getting data ready for a model: missing values, outliers, imbalanced classes, encoding categorical variables, scaling and normalisation, feature selection and data leakage."),
    Topic("trees-ensembles", "Trees and ensembles", "Decision trees and how they split, and the ensembles built on them: bagging, random forests, boosting, gradient-boosted trees, XGBoost and stacking."),
    Topic("classical-models", "Classical models", "Other workhorse algorithms and their trade-offs: k-nearest neighbours, support vector machines and kernels, naive Bayes, and comparisons of popular models' pros and cons."),
    Topic("clustering", "Clustering and unsupervised learning", "Finding structure without labels: k-means and choosing k, DBSCAN and other clustering algorithms, and when each fits."),
    Topic("dimensionality-reduction", "Dimensionality reduction", "The curse of dimensionality and the tools against it: PCA, SVD, LDA, t-SNE and other ways to project data into fewer dimensions."),
    Topic("optimization", "Optimization and training", "How models are fitted: gradient descent and its batch, mini-batch and stochastic variants, learning rates and schedules, Adam, batch size, epochs and the loss during training."),
    Topic("neural-networks", "Neural networks", "The building blocks of deep learning: layers, activation functions, weight initialisation, backpropagation, vanishing gradients, residual connections, dropout and normalisation layers."),
    Topic("computer-vision", "Computer vision", "Neural networks for images: convolutions, pooling, CNN architectures, augmentations, transfer learning, object detection and segmentation."),
    Topic("nlp", "Text, embeddings and sequences", "Machine learning on text and sequences: bag of words, n-grams, TF-IDF, word embeddings and word2vec, text classification, and recurrent networks such as LSTMs."),
    Topic("transformers", "Attention and transformers", "Attention and the Transformer architecture: self-attention, its quadratic cost, layer counts and the trade-offs against convolutional and recurrent models."),
    Topic("recommender-systems", "Recommender systems", "Suggesting items to users: collaborative filtering, matrix factorisation, implicit feedback, baselines and the cold-start problem."),
    Topic("ranking-search", "Ranking and search", "Ordering results for a query: learning to rank, offline metrics such as precision at k and MAP, click data as training data, and online evaluation."),
    Topic("time-series", "Time series", "Forecasting ordered observations: trends and seasonality, stationarity, autoregressive models and the pitfalls of applying ordinary models to time series."),
    Topic("probability-statistics", "Probability and statistics", "The statistics behind ML: distributions, the central limit theorem, correlation, hypothesis tests and p-values, sampling bias, and classic probability puzzles."),
    Topic("experimentation", "A/B testing and experimentation", "Testing changes on real users: designing A/B tests, success and guardrail metrics, common pitfalls and when bandits beat fixed experiments."),
    Topic("learning-paradigms", "Labels and learning paradigms", "Learning when labels are scarce or arrive over time: active learning, weak supervision, online learning and reinforcement learning."),
    Topic("mlops", "ML in production", "Running models for real: deployment, batch versus online inference, monitoring, data drift, continuous training, MLOps maturity and running models on devices."),
    Topic("data-engineering", "Data engineering and SQL", "The data plumbing around ML: SQL queries and joins, file formats such as Parquet, storage such as Redis, and big-data file sizes."),
    Topic("coding", "Coding exercises", "Small programming tasks that interviews use to check fluency: arrays, sets and combinatorics in Python."),
]  # fmt: skip
TOPIC_SLUGS = frozenset(t.slug for t in TOPICS)
DEFAULT_TOPIC = "ml-fundamentals"

# Ordered rules: the first topic whose pattern matches wins, so specific topics
# come before broad ones ("L2 regularization in a linear model" is about
# regularization; "Batch Normalization" is a layer, not feature scaling).
# Patterns run on lower-cased text with hyphens removed, because one document
# lost its hyphens ("kmeans", "crossvalidation").
_RULES: list[tuple[str, str]] = [
    ("coding", r"python|write a (python )?function|given (two|an|a) (arrays?|integer|python)|intersection of the two"),
    ("experimentation", r"\ba/b\b|ab test|experimentation|bandit"),
    ("data-engineering", r"\bsql\b|\bjoins?\b|parquet|redis|big data|small file"),
    ("transformers", r"transformer|attention"),
    ("recommender-systems", r"recommend|collaborative filtering|cold start|implicit feedback"),
    ("ranking-search", r"ranking|\bsearch\b|information retrieval|precision and recall at k|average precision at k"),
    ("time-series", r"time series|\btrend\b"),
    ("computer-vision", r"\bcnns?\b|convolution|pooling|image|augmentation|object (detection|segmentation)|transfer learning|computer vision"),
    ("nlp", r"\btext\b|\bwords?\b|ngrams?|tfidf|embedding|word2vec|\brnns?\b|lstm"),
    ("learning-paradigms", r"active learning|weak supervision|weakly supervised|online learning|\brl\b|reinforcement"),
    ("mlops", r"production|deploy|mlops|inference|drift|continuous (training|testing)|ondevice|offline results|model file|workflow for machine learning"),
    ("regularization", r"regulari[sz]ation|\blasso\b|\bridge\b|elastic net|sparsity"),
    ("clustering", r"cluster|kmeans|dbscan|unsupervised"),
    ("dimensionality-reduction", r"dimensionality|\bpca\b|principal component|singular value|\bsvd\b|tsne"),
    ("trees-ensembles", r"\btrees?\b|forest|boosting|bagging|stacking|xgboost|lightgbm|ensemble|information gain"),
    ("classical-models", r"\bsvms?\b|support vector|kernel|naive bayes|nearest neighbou?r|\bk ?nn\b|models?: pros and cons"),
    ("probability-statistics", r"probability|distribution|dice|\bcoin\b|birthdays?|correlation|central limit|hypothesis|pvalue|\bmean\b|median|skew|selection bias|sample size|statistic|bernoulli|binomial"),
    ("linear-models", r"linear regression|logistic regression|linear models?|normal equation|\bregression\b"),
    ("neural-networks", r"neural|deep learning|activation|sigmoid|relu|initiali[sz]e|weights? randomly|backpropagation|vanishing|residual|skip connection|dropout|batch normali[sz]ation|group normali[sz]ation|parameter sharing|\bmlps?\b|hidden units|deep network"),
    ("optimization", r"gradient descent|\bsgd\b|learning rate|\badam\b|batch size|\bepochs?\b|step or iteration|\bloss\b|optimi[sz]"),
    ("model-evaluation", r"validation|\bmetrics?\b|accuracy|precision|recall|\bf1\b|\broc\b|\bauc\b|confusion|squared error|absolute error|\bmse\b|\brmse\b|hyper ?parameter|grid search|model architecture|underperforming|evaluat|tuning|random state"),
    ("data-preparation", r"outlier|missing|imbalance|categorical|one ?hot|encoding|feature (selection|scaling|normali[sz]ation|engineering)|normali[sz]ation|standardi[sz]|data leak|leakage|multicollinearity|data diversity|balancing data|less data|low amount of data|small dataset"),
    ("ml-fundamentals", r"supervised|overfitting|underfitting|bias|variance|generative|discriminative|parametric|classification|\bparams\b"),
]  # fmt: skip
_COMPILED = [(slug, re.compile(pattern)) for slug, pattern in _RULES]


def _prepare(text: str) -> str:
    return text.lower().replace("-", "").replace("\u2011", "")


def classify(text: str) -> str | None:
    """The topic slug the keyword rules give this text, or None if no rule matches."""
    prepared = _prepare(text)
    for slug, pattern in _COMPILED:
        if pattern.search(prepared):
            return slug
    return None


def topic_for(*, title: str, answer: str = "", section: str | None = None) -> str:
    """One topic for an item: its section heading if that names a topic, else its title, else its answer."""
    for text in (section or "", title, answer[:400]):
        slug = classify(text) if text else None
        if slug:
            return slug
    return DEFAULT_TOPIC
