"""A cache for costly builders that threads share.

``functools.cache`` does not lock: a question asked while the assistant's warm-up thread
is still loading jieba's dictionary or parsing CC-CEDICT would build a second copy beside
it. Here the second caller waits for the first and gets its result.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

Built = TypeVar("Built")


def built_once(builder: Callable[[], Built]) -> Callable[[], Built]:
    """``builder()``, run by the first caller only; later callers wait for its result."""
    lock = threading.Lock()
    cached = functools.cache(builder)

    @functools.wraps(builder)
    def shared() -> Built:
        with lock:
            return cached()

    return shared
