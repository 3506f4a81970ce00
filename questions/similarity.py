"""How close two questions are in meaning: TF-IDF cosine over the title, the body and the
answers' text, with the field's own vocabulary of ML abbreviations read as one term.

Pure Python and no database: the same code gives the same lists on SQLite and PostgreSQL. It
serves two readers: questions.services.related (each question's nearest neighbours, stored in
RelatedQuestion) and the proposal form (the published questions closest to a typed title).

Why TF-IDF and this shape (measured on the bank's hand-checked groups, bench/related_quality.py):
- Each field is weighted and normalised on its own before they are added: a question whose
  reference answer runs to 2,000 words would otherwise be "about" its answer only, and a
  one-line title would say nothing.
- Sublinear term frequency (1 + log tf): an answer that says "gradient" twenty times is not
  twenty times more about gradients.
- Interview wording varies most in names: "L1" / "lasso", "SVM" / "support vector machine",
  "CNN" / "convolutional", "k-fold" / "cross-validation". `_PHRASES` rewrites each family to
  one term before stemming (Snowball, the stemmer of PostgreSQL's english configuration), and
  keeps "normalization" apart from the normal distribution. A method also names its family
  (PCA and SVD: dimensionality reduction; dropout, L1, L2: regularization; sigmoid, ReLU:
  activation; precision at k, MAP, NDCG: ranking metrics): with a few more synonyms (schedules,
  small data, feature importance) these took the hand-checked groups' measure from 0.851 to
  0.908.
- A document keeps its `TERMS_KEPT` heaviest terms: the rest add little to any cosine and cost
  memory and time in the inverted index (bounded work per question, see `SimilarityIndex`).
"""

import heapq
import math
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import itemgetter, mul

import snowballstemmer

# How much each field counts once normalised: the title says what is asked, the answers what
# it is about; a proposal's details are often a line of context.
FIELD_WEIGHTS = {"title": 1.0, "body": 0.35, "answers": 0.75}
TERMS_KEPT = 80
# Bounds of a neighbour search (see SimilarityIndex): at most QUERY_TERMS x POSTING_LIMIT
# partial products and RESCORED exact cosines per question, whatever the bank's size.
QUERY_TERMS = 20
POSTING_LIMIT = 300
RESCORED = 50
# Documents whose terms are kept between the two passes of a build (more: tokenised twice).
TERMS_HELD = 20_000
# Questions filed under the same topic (by the documents' own section headings, mostly) are a
# little closer: a tie-breaker between lists of shared words, not a filter (0.905 -> 0.908 on
# bench/data/related_groups.json).
TOPIC_BONUS = 0.05

_STOP_TEXT = """a about above after again against all also although am an and any are aren as at be
    because been before being below between both but by can cannot could couldn did didn do
    does doesn doing don down during each either else etc even ever every few for from further
    get gets getting give given gives go goes going had has have having he her here hers him his
    how however i if in into is isn it its itself just let like ll may me might more most much
    must my need needs no nor not now of off often on once one only or other others otherwise
    our out over own per perhaps please rather re really s same say says shall she should so
    some such t than that the their them themselves then there these they this those though
    through thus to too under until up upon us use used uses using usual usually ve very via
    was we well were what whatever when where whether which while who whom whose why will with
    within without would yes yet you your yours

    answer answers ask asked briefly compare describe define definition discuss e eg example
    examples explain explained g ie interview know known list look looks main mention question
    questions state tell type types way ways word words here

    actually advantage advantages approach approaches bad best better common commonly
    disadvantage disadvantages difference differences different good happen happens important
    normally option options possible pros cons similarities typically useful work works
    working prefer favorite favourite"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())

# Families of names for one idea, each rewritten to one term. Order matters: longer phrases
# first ("stochastic gradient descent" before "gradient descent", "bag of words" before "bag").
_PHRASE_TABLE = [
    (
        r"support[- ]vector[- ](machines?|classifiers?)|svms?|svc|support[- ]vectors?",
        "svm",
    ),
    (r"kernel[- ]trick", "kerneltrick svm"),
    (r"k[- ]?nearest[- ]neighbou?r(s|hood)?|k-?nn", "knn"),
    (
        r"convolutional[- ]neural[- ]net(work)?s?|conv[- ]?nets?|cnns?|convolution(al|s)?",
        "cnn",
    ),
    (r"recurrent[- ]neural[- ]net(work)?s?|rnns?", "rnn"),
    (r"long[- ]short[- ]term[- ]memory|lstms?", "lstm"),
    (
        r"multi[- ]?layer[- ]perceptrons?|mlps?|feed[- ]?forward[- ]neural[- ]net(work)?s?",
        "mlp neuralnet",
    ),
    (r"artificial[- ]neural[- ]net(work)?s?|neural[- ]net(work)?s?|anns?", "neuralnet"),
    (r"generative[- ]adversarial[- ]net(work)?s?|gans?", "gan"),
    (r"auto[- ]?encoders?", "autoencoder"),
    (r"lasso|l1[- ]?(norm|penalty|regulari[sz]ation)|ℓ1", "l1 regularization"),
    (
        r"ridge|weight[- ]decay|l2[- ]?(norm|penalty|regulari[sz]ation)|ℓ2",
        "l2 regularization",
    ),
    (r"elastic[- ]?net", "elasticnet l1 l2"),
    (r"stochastic[- ]gradient[- ]descent|sgd", "sgd"),
    (r"mini[- ]?batch(es)?", "minibatch"),
    (r"gradient[- ]descent", "gradientdescent"),
    (
        r"gradient[- ]boost(ing|ed)?([- ](decision[- ])?trees?|[- ]machines?)?|gbms?|gbdts?|gbts?|xgboost|lightgbm|catboost",
        "gradientboost",
    ),
    (r"random[- ]forests?", "randomforest"),
    (r"decision[- ]trees?", "decisiontree"),
    (r"bag[- ]of[- ]words?|bow", "bagofwords"),
    (r"bagging|bootstrap[- ]aggregat(ing|ion)", "bootstrapaggreg"),
    (
        r"cross[- ]?validat(ion|ed|e|ing)|k[- ]?folds?|leave[- ]one[- ]out",
        "crossvalidation",
    ),
    (r"principal[- ]components?[- ]analysis|pca", "pca dimensionreduction"),
    (r"singular[- ]value[- ]decomposition|svd", "svd dimensionreduction"),
    (r"t-?sne", "tsne dimensionreduction"),
    (r"curse[- ]of[- ]dimensionality", "cursedimensionality"),
    (
        r"dimensionality[- ]reduction|reduc(e|ing)[- ](the[- ])?dimensions?",
        "dimensionreduction",
    ),
    (
        r"au[- ]?pr|pr[- ]auc|area[- ]under[- ](the[- ])?(pr|precision[- ]recall)[- ]curve",
        "aucpr precision recall",
    ),
    (
        r"area[- ]under[- ](the[- ])?(roc[- ])?curve|au[- ]?roc|roc[- ]auc|auc",
        "auc roc",
    ),
    (r"receiver[- ]operating[- ]characteristics?", "roc"),
    (r"f1[- ]?scores?|f[- ]?measure|f1", "f1"),
    (r"confusion[- ](matrix|matrices|table)", "confusionmatrix"),
    (r"batch[- ]?norm(ali[sz]ation)?|bn", "batchnorm"),
    (r"layer[- ]?norm(ali[sz]ation)?", "layernorm"),
    (r"group[- ]?norm(ali[sz]ation)?", "groupnorm"),
    (r"root[- ]mean[- ]squared?[- ]error|rmse", "rmse"),
    (r"mean[- ]squared?[- ]errors?|mse|squared[- ]errors?|l2[- ]loss", "mse"),
    (r"mean[- ]absolute[- ]errors?|mae|absolute[- ]errors?|l1[- ]loss", "mae"),
    (r"bias[- ](and[- ])?variance", "biasvariance bias variance"),
    (r"vanishing[- ]gradients?", "vanishinggradient"),
    (r"exploding[- ]gradients?", "explodinggradient"),
    (
        r"res[- ]?nets?(-?\d+)?|residual[- ](networks?|connections?|blocks?|learning)|skip[- ]connections?|shortcut[- ]connections?",
        "resnet",
    ),
    (r"tf[- ]?idf|term[- ]frequency[- ]inverse[- ]document[- ]frequency", "tfidf"),
    (r"n[- ]?grams?|bi-?grams?|tri-?grams?", "ngram"),
    (
        r"word[- ]?2[- ]?vec|word[- ]embeddings?|glove|fasttext|skip[- ]?gram|cbow",
        "wordembedding",
    ),
    (r"one[- ]hot([- ]encod(ing|ed|e))?", "onehot"),
    (r"naive[- ]bayes", "naivebayes"),
    (r"logistic[- ]regression|logit", "logisticregression"),
    (r"linear[- ]regression|ordinary[- ]least[- ]squares|ols", "linearregression"),
    (r"learning[- ]rates?|step[- ]sizes?", "learningrate"),
    (r"k[- ]?means(\+\+)?", "kmeans"),
    (r"db[- ]?scan", "dbscan"),
    (r"a/b[- ]?test(s|ing)?|ab[- ]test(s|ing)?|split[- ]test(s|ing)?", "abtest"),
    (r"hyper[- ]?param(eter)?s?", "hyperparameter"),
    (r"grid[- ]search", "gridsearch"),
    (r"random(ized)?[- ]search", "randomsearch"),
    (r"over[- ]?fit(s|ted|ting)?", "overfit"),
    (r"under[- ]?fit(s|ted|ting)?", "underfit"),
    # Kept apart from "normal distribution": scaling features is another subject.
    (
        r"feature[- ]scaling|min[- ]?max[- ]scal(ing|er)|normali[sz](ation|ations|ed|e|es|ing|er)",
        "featurenormaliz",
    ),
    (r"standardi[sz](ation|ed|e|es|ing|er)|z[- ]scores?", "featurestandardiz"),
    (
        r"normal[- ]distributions?|gaussian([- ]distributions?)?|bell[- ]curve",
        "gaussian",
    ),
    (r"normal[- ]equations?|closed[- ]form([- ]solution)?", "normalequation"),
    (
        r"imbalanc(e|ed)|unbalanced|class[- ]imbalance|skewed[- ]classes|minority[- ]class(es)?|majority[- ]class(es)?|over[- ]?sampling|under[- ]?sampling|smote",
        "imbalance",
    ),
    (r"activation[- ]functions?|activations?", "activation"),
    (r"rectified[- ]linear[- ]units?|relu", "relu activation"),
    (r"sigmoids?", "sigmoid activation"),
    (r"tanh", "tanh activation"),
    (r"softmax", "softmax activation"),
    (r"back[- ]?prop(agation)?", "backpropagation"),
    (r"reinforcement[- ]learning|rl", "reinforcementlearning"),
    (r"deep[- ]learning|dl", "deeplearning"),
    (r"active[- ]learning", "activelearning"),
    (r"online[- ]learning", "onlinelearning"),
    (r"weak[- ]supervision|weakly[- ]supervised", "weaksupervision"),
    (r"semi[- ]supervised", "semisupervised learningparadigm"),
    (r"unsupervised", "unsupervised learningparadigm"),
    (r"supervised", "supervised learningparadigm"),
    (r"explore[- ]exploit(ation)?|exploration", "exploreexploit"),
    (
        r"transfer[- ]learning|fine[- ]?tun(e|ed|es|ing)|pre[- ]?trained",
        "transferlearning",
    ),
    (r"data[- ]augmentation|augmentations?|augment(ed|ing)?", "augmentation"),
    (r"max[- ]?pool(ing)?|average[- ]pool(ing)?|pooling", "pooling"),
    (r"drop[- ]?out", "dropout regularization"),
    (r"early[- ]stopping|stop(ping)?[- ](the[- ])?training", "earlystopping"),
    (r"information[- ]gain", "informationgain"),
    (
        r"feature[- ]importances?|important[- ]features?|features?[- ](are[- ])?(more[- ]|most[- ])?important",
        "featureimportance",
    ),
    (r"feature[- ]selection|select(ing)?[- ]features", "featureselection"),
    (
        r"multi[- ]?collinearity|collinear(ity)?|correlated[- ]features",
        "multicollinearity",
    ),
    (
        r"data[- ]drift|concept[- ]drift|covariate[- ]shift|distribution[- ]shift|semantic[- ]shift",
        "drift",
    ),
    (r"data[- ]leak(age|s)?|target[- ]leakage|leakage", "leakage"),
    (r"outliers?", "outlier"),
    (
        r"missing[- ](values?|data)|imput(e|ed|ation|ing)|corrupted[- ]data",
        "missingdata",
    ),
    (r"p[- ]values?", "pvalue"),
    (r"central[- ]limit[- ]theorem|clt", "centrallimit"),
    (r"cold[- ]start", "coldstart"),
    (r"collaborative[- ]filtering", "collaborativefiltering"),
    (r"recommend(er|ation)?[- ]systems?|recsys|recommenders?", "recsys"),
    (
        r"mean[- ]average[- ]precision|map@k",
        "meanaverageprecision precision rankingmetric",
    ),
    (r"ndcg|normali[sz]ed[- ]discounted[- ]cumulative[- ]gain", "ndcg rankingmetric"),
    (r"at[- ]k", "rankingmetric"),  # precision at k, recall@k
    (r"time[- ]series", "timeseries"),
    (r"batch[- ]sizes?", "batchsize trainingloop"),
    (r"epochs?", "epoch trainingloop"),
    (r"iterations?", "iteration trainingloop"),
    (r"checkpoint(s|ing|ed)?", "checkpoint earlystopping"),
    (
        r"small[- ](training[- ])?(data|datasets?|samples)|little[- ](training[- ])?data|less[- ](training[- ])?data|limited[- ](training[- ])?data|low[- ]amount[- ]of[- ]data|few[- ](training[- ])?samples",
        "smalldata",
    ),
    (
        r"schedul(e|es|er|ers|ing)|anneal(ing)?|warm[- ]?up",
        "lrschedule",
    ),
    (r"natural[- ]language[- ]processing|nlp", "nlp"),
    (
        r"self[- ]attention|multi[- ]head[- ]attention|attention[- ]mechanism",
        "attention",
    ),
    # Says nothing in a bank that is all about it.
    (r"machine[- ]learning|ml|data[- ]science|ai", ""),
]


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern ("a|b(c|d)" -> ["a", "b(c|d)"])."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(pattern):
        if char == "(" and pattern[i - 1 : i] != "\\":
            depth += 1
        elif char == ")" and pattern[i - 1 : i] != "\\":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return [*parts, pattern[start:]]


def _compile_phrases(table):
    """Per first letter, one pattern of the families that can start with it (in the table's
    order, each a named group): a text is scanned once, and at each word only the few families
    starting with its letter are tried (90 alternatives at every position cost 1 s a 300 KB)."""
    by_letter: dict[str, list[str]] = defaultdict(list)
    replacements = {}
    for n, (pattern, replacement) in enumerate(table):
        for k, alternative in enumerate(_alternatives(pattern)):
            assert alternative[0].isalnum(), f"{alternative!r} must start with a letter"
            replacements[f"p{n}_{k}"] = f" {replacement} "
            plain = re.sub(r"[(](?![?])", "(?:", alternative)
            by_letter[alternative[0]].append(f"(?P<p{n}_{k}>{plain})")
    compiled = {
        letter: re.compile(rf"(?:{'|'.join(alternatives)})(?![\w-])")
        for letter, alternatives in by_letter.items()
    }
    return compiled, replacements


_PHRASES, _REPLACEMENTS = _compile_phrases(_PHRASE_TABLE)
_WORD_START = re.compile(r"(?<![\w-])\w")


def _rewrite_phrases(text: str) -> str:
    pieces, done = [], 0
    for start in _WORD_START.finditer(text):
        position = start.start()
        pattern = _PHRASES.get(text[position])
        if pattern is None or position < done:
            continue
        match = pattern.match(text, position)
        if match is None:
            continue
        pieces += [text[done:position], _REPLACEMENTS[match.lastgroup]]
        done = match.end()
    pieces.append(text[done:])
    return "".join(pieces)


_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+")
_URL = re.compile(r"https?://\S+")
_TOKEN = re.compile(r"[a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("english")
_ZEROS = repeat(0.0)


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def terms(text: str) -> list[str]:
    """The text's terms: lower case, named families as one term, stop words out, stemmed."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    text = _URL.sub(" ", _LATEX_COMMAND.sub(" ", text))
    text = _rewrite_phrases(text)
    return [
        _stem(token)
        for token in _TOKEN.findall(text)
        if len(token) > 1 and not token.isdigit() and token not in _STOP_WORDS
    ]


@dataclass
class Document:
    """What a question says: its title, its details and its answers' text."""

    id: int
    title: str
    body: str = ""
    answers: str = ""
    topic: int | None = None


def _fields(document: Document) -> dict[str, list[str]]:
    return {
        "title": terms(document.title),
        "body": terms(document.body),
        "answers": terms(document.answers),
    }


def _weighted(fields: dict[str, list[str]], idf: dict[str, float], default_idf):
    """One unit vector from the fields' terms, heaviest first: each field's TF-IDF unit vector,
    weighted by FIELD_WEIGHTS, summed, cut to TERMS_KEPT terms and normalised again."""
    vector: dict[str, float] = defaultdict(float)
    for name, field_terms in fields.items():
        if not field_terms:
            continue
        counts = Counter(field_terms)
        part = {
            term: (1 + math.log(n)) * idf.get(term, default_idf)
            for term, n in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in part.values()))
        for term, weight in part.items():
            vector[term] += FIELD_WEIGHTS[name] * weight / norm
    kept = heapq.nlargest(TERMS_KEPT, vector.items(), key=itemgetter(1))
    norm = math.sqrt(sum(w * w for _, w in kept))
    return [(term, weight / norm) for term, weight in kept] if norm else []


class SimilarityIndex:
    """Unit TF-IDF vectors of a set of documents and an inverted index over them.

    A neighbour search is bounded whatever the number of documents: candidates come from the
    postings of the question's QUERY_TERMS heaviest terms, each posting cut to the
    POSTING_LIMIT documents where the term weighs most; the RESCORED best candidates then get
    their exact cosine. On the seeded bank (311 questions) no posting is cut, so only the query
    terms differ from a full comparison of every pair. Vectors and postings are kept as arrays
    of term ids and float weights: 12 bytes a kept term, twice (about 200 MB for 100,000
    questions).
    """

    def __init__(self):
        self.idf: dict[str, float] = {}
        self.term_ids: dict[str, int] = {}
        self.vectors: dict[int, tuple[array, array]] = {}
        self.topics: dict[int, int | None] = {}
        self.postings: list[tuple[array, array]] = []
        self.document_count = 0

    @classmethod
    def build(cls, documents: Callable[[], Iterable[Document]]) -> "SimilarityIndex":
        """From `documents()`: document frequencies first, then the vectors. Up to
        TERMS_HELD documents' terms are held between the two; a bigger bank is read (and
        tokenised) twice, its text streamed, never held whole."""
        index = cls()
        frequency: Counter = Counter()
        held: list | None = []
        for document in documents():
            fields = _fields(document)
            frequency.update({t for field in fields.values() for t in field})
            index.document_count += 1
            if held is not None:
                held.append((document.id, document.topic, fields))
                if len(held) > TERMS_HELD:
                    held = None
        count = index.document_count
        index.idf = {
            t: math.log((1 + count) / (1 + df)) + 1 for t, df in frequency.items()
        }
        if held is None:
            held = ((d.id, d.topic, _fields(d)) for d in documents())
        # Each term's posting as a bounded min-heap of (weight, id): memory stays at
        # POSTING_LIMIT entries a term, however many questions have it.
        postings = defaultdict(list)
        for pk, topic, fields in held:
            vector = _weighted(fields, index.idf, index.default_idf)
            index.topics[pk] = topic
            ids = array("I", (index._term_id(term) for term, _ in vector))
            weights = array("d", (weight for _, weight in vector))
            index.vectors[pk] = (ids, weights)
            for term_id, weight in zip(ids, weights, strict=True):
                posting = postings[term_id]
                if len(posting) < POSTING_LIMIT:
                    heapq.heappush(posting, (weight, pk))
                elif weight > posting[0][0]:
                    heapq.heapreplace(posting, (weight, pk))
        index.postings = [None] * len(index.term_ids)
        for term_id, entries in postings.items():
            entries.sort(reverse=True)
            index.postings[term_id] = (
                array("Q", (pk for _, pk in entries)),
                array("d", (weight for weight, _ in entries)),
            )
        return index

    def _term_id(self, term: str) -> int:
        term_id = self.term_ids.get(term)
        if term_id is None:
            term_id = self.term_ids[term] = len(self.term_ids)
        return term_id

    @property
    def default_idf(self) -> float:
        """The weight of a term no document has (a word only a new proposal uses)."""
        return math.log(1 + self.document_count) + 1

    def _nearest(
        self, ids, weights, k, min_score, exclude, topic=None
    ) -> list[tuple[int, float]]:
        partial: dict[int, float] = defaultdict(float)
        for term_id, weight in zip(
            ids[:QUERY_TERMS], weights[:QUERY_TERMS], strict=True
        ):
            posting = self.postings[term_id]
            if posting is None:
                continue
            for pk, other in zip(*posting, strict=True):
                partial[pk] += weight * other
        for pk in exclude:
            partial.pop(pk, None)
        mine = dict(zip(ids, weights, strict=True))
        scored = []
        for pk, _ in heapq.nlargest(RESCORED, partial.items(), key=itemgetter(1)):
            other_ids, other_weights = self.vectors[pk]
            score = sum(map(mul, map(mine.get, other_ids, _ZEROS), other_weights))
            if topic is not None and self.topics[pk] == topic:
                score = (score + TOPIC_BONUS) / (1 + TOPIC_BONUS)
            if score >= min_score:
                scored.append((pk, min(score, 1.0)))
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored[:k]

    def neighbours(self, pk, k=10, min_score=0.0) -> list[tuple[int, float]]:
        """The `k` documents closest to document `pk`, best first, as (id, cosine)."""
        if pk not in self.vectors:
            return []
        ids, weights = self.vectors[pk]
        return self._nearest(ids, weights, k, min_score, (pk,), self.topics[pk])

    def query(
        self, title, body="", k=5, min_score=0.0, exclude=()
    ) -> list[tuple[int, float]]:
        """The `k` documents closest to a text that is not in the index (a title being typed)."""
        vector = _weighted(
            {"title": terms(title), "body": terms(body)}, self.idf, self.default_idf
        )
        known = [(self.term_ids[t], w) for t, w in vector if t in self.term_ids]
        ids = array("I", (term_id for term_id, _ in known))
        weights = array("d", (weight for _, weight in known))
        return self._nearest(ids, weights, k, min_score, exclude)
