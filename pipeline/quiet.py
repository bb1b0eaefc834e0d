"""Start-up without TensorFlow's noise: its C++ notes go to a scratch file, not the console.

TensorFlow and LiteRT print oneDNN, CUDA and XNNPACK notes straight to file descriptor 2 while
they load, before any log level set from Python applies (TF_CPP_MIN_LOG_LEVEL no longer stops
them). `native_stderr_silenced` points descriptor 2 elsewhere meanwhile; if loading fails, what
was printed is shown after all, so an error is never hidden. Python's own logging keeps writing
to the console through `console()`, a stream on a copy of the original descriptor.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import TextIO

_console: TextIO | None = None


def console() -> TextIO:
    """A text stream on the console's standard error, unaffected by the silencing."""
    global _console
    if _console is None:
        _console = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
    return _console


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Descriptor 2 goes to a scratch file for the duration; echoed back if the body raises."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            scratch.seek(0)
            console().write(scratch.read().decode(errors="replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
