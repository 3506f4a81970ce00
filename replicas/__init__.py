"""Read replicas: reads go to a PostgreSQL streaming replica, writes to the primary.

Infrastructure below the domain apps, like `caching` and `jobs`: it knows Django and the caching
layer's token clock (caching.tokens), nothing of the domain. mlqa/settings.py wires it in only
when `DATABASE_REPLICA_URLS` names replicas (aliases `replica1`, `replica2`, ...); without them
nothing here runs and every query goes to `default` as before.

What goes where (replicas.router):
- A replica serves only the reads of GET and HEAD requests (replicas.middleware): never those of
  other requests, background jobs, management commands or migrations, nor any read inside
  `transaction.atomic`, `select_for_update()` or `get_or_create()` (Django routes those as
  writes), nor any read after the request wrote something (an ORM write, or any statement on the
  primary that is not a plain SELECT or runs inside a transaction).
- Read your writes: a request that wrote (every POST, PUT, PATCH, DELETE, and a GET that wrote)
  sets a signed cookie with the moment it finished; for `DATABASE_READ_YOUR_WRITES_SECONDS`
  after it, that reader's reads go only to a replica known to have every write before that
  moment, else to the primary.
- The caching layer's tokens carry the moment they were made: once a request has read a token,
  its reads go only to a replica known to be at least that new, so nothing older than a token
  is stored under it (caching.tokens refuses to, as a second guard).
- Health (replicas.health): each process checks each replica at most every
  `DATABASE_REPLICA_CHECK_SECONDS`: is it up, and how far behind the primary it is (its replayed
  WAL position against the primary's, else the commit time of the last transaction it replayed).
  A replica that is down, refuses a connection, or is more than `DATABASE_REPLICA_MAX_LAG`
  seconds behind is skipped until a later check finds it back: reads fall back to the primary.
"""
