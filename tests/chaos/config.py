"""The settings of a chaos run, from CHAOS_* environment variables (pure).

| variable | default | meaning |
|---|---|---|
| CHAOS_EVENTS | 20000 | events and documents the simulator publishes |
| CHAOS_SECONDS | 300 | how long the traffic streams (the rate is EVENTS / SECONDS) |
| CHAOS_KILLS | 12 | SIGKILLs of randomly chosen potrack processes during the traffic |
| CHAOS_SEED | 12 | seed of the traffic and of the choice of victims and moments |
| CHAOS_DRAIN_SECONDS | 240 | the most the run waits for everything to catch up at the end |
| CHAOS_KEEP | 0 | 1: keep the work directory (logs, database, broker data) afterwards |
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass


class SettingError(ValueError):
    """A CHAOS_* variable with a value the run cannot use (one line, for exit code 2)."""


@dataclass(frozen=True)
class Config:
    events: int = 20_000
    seconds: float = 300.0
    kills: int = 12
    seed: int = 12
    drain_seconds: float = 240.0
    keep: bool = False

    @property
    def rate(self) -> float:
        """Records per second the simulator publishes."""
        return self.events / self.seconds


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    text = env.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingError(f"{name}={text!r}: expected a number from {low:g} to {high:g}") from None
    if not low <= value <= high:
        raise SettingError(f"{name}={text!r}: expected a number from {low:g} to {high:g}")
    return value


def load(env: Mapping[str, str] | None = None) -> Config:
    """The run's settings from `env` (default: os.environ); SettingError with one line for
    a value out of range or not a number. The bounds keep a run within about 10 minutes
    at the default size and make the faults fit the traffic (10 kills need 30 s)."""
    env = os.environ if env is None else env
    events = _number(env, "CHAOS_EVENTS", 20_000, 100, 200_000)
    seconds = _number(env, "CHAOS_SECONDS", 300, 30, 3600)
    kills = _number(env, "CHAOS_KILLS", 12, 0, 100)
    for name, value in (("CHAOS_EVENTS", events), ("CHAOS_KILLS", kills)):
        if value != int(value):
            raise SettingError(f"{name}={env.get(name)!r}: expected a whole number")
    if kills > seconds / 3:
        raise SettingError(
            f"CHAOS_KILLS={int(kills)}: at most one kill per 3 s of CHAOS_SECONDS ({seconds:g})"
        )
    keep = env.get("CHAOS_KEEP", "0")
    if keep not in ("0", "1", ""):
        raise SettingError(f"CHAOS_KEEP={keep!r}: expected 0 or 1")
    return Config(
        events=int(events),
        seconds=seconds,
        kills=int(kills),
        seed=int(_number(env, "CHAOS_SEED", 12, 0, 2**31 - 1)),
        drain_seconds=_number(env, "CHAOS_DRAIN_SECONDS", 240, 10, 3600),
        keep=keep == "1",
    )
