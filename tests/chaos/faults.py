"""When which fault strikes during a chaos run: a seeded plan (pure), carried out by
`tests.chaos.run`.

The traffic runs for `seconds`; the plan puts `kills` SIGKILLs of randomly chosen potrack
processes (each of them at least once when there are as many kills) at random moments
between 5% and 90% of it (at least 2 s apart), the broker restart at 40% and the
PostgreSQL restart at 65%, and a few bad records every 10%.
"""

import random
from dataclasses import dataclass
from typing import Literal

Action = Literal["kill", "broker", "postgres", "bad"]


@dataclass(frozen=True)
class Fault:
    """At `at` seconds after the traffic began: `action`, on `victim` (a member's name,
    for a kill) or with `count` records (bad)."""

    at: float
    action: Action
    victim: str = ""
    count: int = 0


def plan(seconds: float, kills: int, victims: list[str], seed: int) -> list[Fault]:
    """The faults of a run in time order. ValueError when `kills` do not fit 2 s apart in
    the window or there are kills but no victims."""
    if kills and not victims:
        raise ValueError("kills planned but no process to kill")
    window = (0.05 * seconds, 0.9 * seconds)
    if kills and (window[1] - window[0]) / kills < 2:
        raise ValueError(f"{kills} kills do not fit 2 s apart in {seconds:g} s of traffic")
    rng = random.Random(seed)
    moments: list[float] = []
    while len(moments) < kills:
        at = rng.uniform(*window)
        if all(abs(at - other) >= 2 for other in moments):
            moments.append(at)
    # Every process is killed at least once when there are kills enough; the rest at random.
    chosen = rng.sample(victims, min(kills, len(victims)))
    chosen += [rng.choice(victims) for _ in range(kills - len(chosen))]
    rng.shuffle(chosen)
    faults = [Fault(at, "kill", who) for at, who in zip(sorted(moments), chosen, strict=True)]
    faults.append(Fault(0.40 * seconds, "broker"))
    faults.append(Fault(0.65 * seconds, "postgres"))
    faults.extend(Fault(seconds * k / 10, "bad", count=4) for k in range(1, 10))
    return sorted(faults, key=lambda f: f.at)
