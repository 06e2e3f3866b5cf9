"""Terminal output: colour when a person is reading, progress for slow steps.

Colour follows the conventions people expect of a command-line tool: ``--color always``
or ``never`` decide; otherwise (``auto``) colour is on when the stream is a terminal,
``NO_COLOR`` is not set to a non-empty value (https://no-color.org) and ``TERM`` is not
``dumb``. Pipes, files and CI logs get plain text.

Progress goes to stderr, so it never mixes with what a pipe reads, and only when stderr is
a terminal: a step that takes longer than ``Progress.DELAY`` seconds shows a line with its
name and elapsed time, cleared when it ends.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Mapping, Optional, TextIO

COLOR_MODES = ("auto", "always", "never")

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def color_enabled(mode: str, stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether to colour what goes to ``stream`` (see the module docstring)."""
    if mode == "always":
        return True
    if mode == "never" or environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Style:
    """ANSI styles, or plain text when colour is off: ``style.green("+ create")``."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def paint(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}\x1b[0m"

    def __getattr__(self, name: str):
        if name in _CODES:
            return lambda text: self.paint(text, name)
        raise AttributeError(name)


OP_STYLE = {"+": "green", "~": "yellow", "-": "red"}
"""The colour of each operation sign, as ``pulumi preview`` shows them."""


def op_summary(style: Style, create: int, update: int, delete: int, unchanged: Optional[int] = None) -> str:
    """``+ 12 to create, ~ 3 to update, - 1 to delete, 249 unchanged`` (zero counts left out,
    except when nothing changes at all)."""
    parts = [style.paint(f"{sign} {count} to {verb}", OP_STYLE[sign])
             for sign, count, verb in (("+", create, "create"), ("~", update, "update"), ("-", delete, "delete"))
             if count]
    if unchanged is not None and (unchanged or not parts):
        parts.append(f"{unchanged} unchanged")
    return ", ".join(parts) if parts else "no changes"


class Progress:
    """Delayed status lines on a terminal's stderr (a no-op elsewhere)."""

    DELAY = 1.0
    """Seconds a step may take before it is shown."""
    INTERVAL = 0.2

    def __init__(self, stream: Optional[TextIO] = None, enabled: Optional[bool] = None,
                 delay: Optional[float] = None):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
        self.enabled = enabled
        self.delay = self.DELAY if delay is None else delay

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        """Show ``text`` with the elapsed time while the block runs, once it runs longer than the delay."""
        if not self.enabled:
            yield
            return
        done = threading.Event()
        started = time.monotonic()
        shown = threading.Event()

        def tick() -> None:
            if done.wait(self.delay):
                return
            while not done.is_set():
                self.stream.write(f"\r\x1b[K{text} … {time.monotonic() - started:.0f}s")
                self.stream.flush()
                shown.set()
                done.wait(self.INTERVAL)

        ticker = threading.Thread(target=tick, name="webstack-progress", daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()
            if shown.is_set():
                self.stream.write("\r\x1b[K")
                self.stream.flush()
