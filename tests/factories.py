import factory
from allauth.account.models import EmailAddress
from django.db.models import F

from accounts.models import User
from moderation.services import moderator_set
from questions.models import Answer, Difficulty, Question, Source, Topic

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    class Params:
        # Past the review queue: enough approved posts and reputation to publish straight away.
        trusted = factory.Trait(approved_post_count=3, reputation=15)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Users have a verified primary e-mail unless built with verified=False."""
        if create and extracted is not False:
            EmailAddress.objects.create(
                user=obj, email=obj.email, verified=True, primary=True
            )

    @factory.post_generation
    def moderator(obj, create, extracted, **kwargs):
        if create and extracted:
            moderator_set(user=obj, is_moderator=True)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")
    description = factory.Faker("paragraph")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    slug = factory.Sequence(lambda n: f"source-{n}")
    filename = factory.Sequence(lambda n: f"{n:03d}_source.txt")
    title = factory.Sequence(lambda n: f"Source document {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    title = factory.Sequence(
        lambda n: f"What is concept number {n} in machine learning?"
    )
    dedup_key = factory.LazyAttribute(lambda q: q.title.lower())
    topic = factory.SubFactory(TopicFactory)
    difficulty = Difficulty.MEDIUM


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    question = factory.SubFactory(QuestionFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("paragraph", nb_sentences=5)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Keep the question's denormalised counters true, as the answer services do.
        answer = super()._create(model_class, *args, **kwargs)
        if answer.source_id:
            Question.objects.filter(pk=answer.question_id).update(
                has_reference_answer=True
            )
        else:
            Question.objects.filter(pk=answer.question_id).update(
                answer_count=F("answer_count") + 1
            )
        return answer


def signed_in_client(**kwargs):
    """A test client signed in as a new trusted member (`client.member`), built with `kwargs`."""
    from django.test import Client

    client = Client()
    client.member = UserFactory(trusted=True, **kwargs)
    client.force_login(client.member)
    return client
