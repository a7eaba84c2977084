"""`make chaos`: python -m tests.chaos. Exit 0 when every check passed, 1 on a miss, 2 on a
bad CHAOS_* setting (one line)."""

import asyncio
import logging
import signal
import sys
from types import FrameType

from tests.chaos.config import SettingError, load


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM too: the run's broker and cluster are stopped


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupted)
    # aiokafka's retries while the run's broker restarts are expected: not for the output.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        config = load()
    except SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    from tests.chaos.run import main  # after the settings: a bad one is refused at once

    try:
        sys.exit(asyncio.run(main(config)))
    except KeyboardInterrupt:
        print("chaos: interrupted", file=sys.stderr)
        sys.exit(130)
