"""Whether a process of this machine still runs (for leftovers of killed runs)."""

from __future__ import annotations

import os


def is_running(pid: int) -> bool:
    """True while process `pid` exists (another user's included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
