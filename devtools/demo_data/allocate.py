"""Exact, deterministic splitting of a total over items: the counts always add up to the total."""

from math import gcd


def quota(total: int, start: int, end: int, size: int) -> int:
    """The share of `total` that falls on positions [start, end) of `size` when spread evenly."""
    if size <= 0:
        return 0
    return total * end // size - total * start // size


def allocate(total: int, weights, caps=None) -> list[int]:
    """Split `total` over the items in proportion to `weights`, never more than `caps[i]` each.

    Largest-remainder rounding along the running sum, so the result is exact and depends only on the
    inputs; overflow from capped items goes to the others in order. Raises ValueError if the caps
    can't hold the total.
    """
    n = len(weights)
    counts = [0] * n
    if total <= 0 or n == 0:
        return counts
    weight_sum = float(sum(weights))
    if weight_sum <= 0:
        weights, weight_sum = [1.0] * n, float(n)
    running, given = 0.0, 0
    for i, weight in enumerate(weights):
        running += weight
        target = round(total * running / weight_sum) if i < n - 1 else total
        counts[i] = max(0, target - given)
        given += counts[i]
    if caps is None:
        return counts
    overflow = 0
    for i, cap in enumerate(caps):
        if counts[i] > cap:
            overflow += counts[i] - cap
            counts[i] = cap
    while overflow:
        room = [j for j in range(n) if counts[j] < caps[j]]
        if not room:
            raise ValueError(f"Cannot place {overflow} more: every item is at its cap.")
        for j in room:
            if not overflow:
                break
            take = min(caps[j] - counts[j], max(1, overflow // len(room)))
            counts[j] += take
            overflow -= take
    return counts


def distinct_picks(rng, population: int, count: int, exclude: int | None = None):
    """`count` distinct indexes in range(population), none equal to `exclude`, in O(count).

    Walks the ring with a random start and a random step coprime to the population size.
    """
    if count <= 0:
        return
    if population == 1:
        step = 1
    else:
        step = rng.randrange(1, population)
        while gcd(step, population) != 1:
            step = step % (population - 1) + 1
    index = rng.randrange(population)
    given = 0
    for _ in range(population):
        if index != exclude:
            yield index
            given += 1
            if given == count:
                return
        index = (index + step) % population
    raise ValueError(f"Only {given} distinct picks available, {count} asked for.")
