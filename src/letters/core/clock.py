"""Time limits for work that may run away: a template loop, a layout of hostile HTML."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def alarm(seconds: float, error: Callable[[], Exception]) -> Iterator[None]:
    """Interrupt the code inside after `seconds` by raising `error()` (code that loops
    without returning cannot be checked from outside): SIGALRM, so in a process's main
    thread on a POSIX system only (builds, `letters render`); elsewhere nothing is
    limited. The previous handler and timer are put back, so limits can nest."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise error()

    previous = signal.signal(signal.SIGALRM, stop)
    left, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if left:  # someone else's timer was running: give it the time it had left
            signal.setitimer(signal.ITIMER_REAL, max(left - (time.monotonic() - started), 0.001))
