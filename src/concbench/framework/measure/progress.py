"""How far a sweep has got and about when it ends, as the CLI shows it while it runs.

A sweep of many jobs runs for minutes; a user who sees neither how far it has got nor
when it should end cannot tell a ten-minute sweep from an hour-long one until it is too
late to narrow it. The estimate is the pace of the runs so far applied to the runs left:
rough, since jobs differ and top-ups add runs as they go, but right in its order of
magnitude after the first few jobs.
"""

from __future__ import annotations

__all__ = ["LOG_EVERY_S", "clock", "left_text", "progress_line", "time_left"]

LOG_EVERY_S = 30.0
"""How often a sweep whose output is not a terminal (a log, a pipe, CI) prints a line."""


def time_left(elapsed_s: float, done: int, total: int) -> float | None:
    """Seconds left at the pace so far; None before the first run (no pace yet)."""
    if done <= 0 or elapsed_s <= 0:
        return None
    return elapsed_s / done * max(total - done, 0)


def clock(seconds: float) -> str:
    """``0:04:10``: hours always shown, as rich's elapsed column does."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def left_text(elapsed_s: float, done: int, total: int) -> str:
    """``about 0:04:10 left``, or empty while there is no pace to go by."""
    left = time_left(elapsed_s, done, total)
    return "" if left is None else f"about {clock(left)} left"


def progress_line(done: int, total: int, elapsed_s: float, now: str) -> str:
    """One line of a sweep's progress: runs done, time so far and left, the job running."""
    left = left_text(elapsed_s, done, total)
    return (
        f"{done}/{total} runs, {clock(elapsed_s)} elapsed{', ' + left if left else ''}: now {now}"
    )
