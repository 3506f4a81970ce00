"""Background work: Django's tasks framework (django.tasks) on a database queue (django-tasks-db),
the retry policy every job shares, and the outbox that delivers mail outside requests.

Infrastructure below the domain apps, like `caching`: it knows only Django and the queue, so any
app can enqueue its heavy work here (see README, *Background work*)."""
