"""The engine's log records as Python `logging` records (see docs/PYTHON.md, Logging).

Records come from the core's capture queue and are handed to the logger named after their
target (`apnspush::http2` -> `apnspush.http2`), on a Python thread that called into apnspush,
with the time the engine logged them. Level TRACE (5) is below DEBUG.
"""

from __future__ import annotations

import logging
from typing import List, Tuple

# A library's etiquette: no output unless the application configures logging.
logging.getLogger("apnspush").addHandler(logging.NullHandler())

TRACE = 5
if logging.getLevelName(TRACE) == f"Level {TRACE}":
    logging.addLevelName(TRACE, "TRACE")

# Core level number (1 error .. 5 trace) -> logging level.
LEVELS = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG, 5: TRACE}


def level_filter() -> int:
    """The core level (0 off, 1 error .. 5 trace) that logger `apnspush` is enabled for."""
    logger = logging.getLogger("apnspush")
    for core in (5, 4, 3, 2, 1):
        if logger.isEnabledFor(LEVELS[core]):
            return core
    return 0


def emit(records: List[Tuple[int, str, str, int]]) -> None:
    """Hands (core level, target, message, ms since the epoch) records to `logging`."""
    for level, target, message, time_ms in records:
        name = target.replace("::", ".")
        logger = logging.getLogger(name)
        level = LEVELS.get(level, logging.ERROR)
        if not logger.isEnabledFor(level):
            continue
        record = logger.makeRecord(name, level, target, 0, message, None, None)
        record.created = time_ms / 1000
        record.msecs = time_ms % 1000
        start = getattr(logging, "_startTime", record.created)
        record.relativeCreated = (record.created - start) * 1000
        logger.handle(record)
