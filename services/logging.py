"""structlog set-up: JSON lines when not on a terminal, readable lines when on one."""

import logging
import sys
from typing import Literal, TextIO, cast, get_args

import structlog

LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]
LogFormat = Literal["auto", "json", "console"]
LOG_LEVELS: tuple[str, ...] = get_args(LogLevel)
LOG_FORMATS: tuple[str, ...] = get_args(LogFormat)


def configure(level: str = "INFO", fmt: str = "auto") -> None:
    """Log at `level` and above (one of LOG_LEVELS, any case) as `fmt` (LOG_FORMATS: auto is
    JSON unless stderr is a terminal). ValueError naming what is allowed for another value
    (`services.settings` refuses those before this is called)."""
    if level.upper() not in LOG_LEVELS:
        raise ValueError(f"unknown log level {level!r}: use one of {', '.join(LOG_LEVELS)}")
    if fmt not in LOG_FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: use one of {', '.join(LOG_FORMATS)}")
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _Stderr())),
        cache_logger_on_first_use=True,
    )
    # Libraries (aiokafka, uvicorn) log through the standard library: keep them quiet.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s %(message)s")


class _Stderr:
    """Whatever `sys.stderr` is when a line is written, not when logging was configured: a
    command run in-process (a test's CLI runner) swaps it and closes its own afterwards."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
