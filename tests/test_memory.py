import ctypes.util
import sys

import pytest

from pipeline import memory


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or "libc.so" not in str(ctypes.util.find_library("c")),
    reason="glibc only",
)
def test_glibc_takes_the_settings():
    assert memory.tune_malloc()


def test_without_glibc_nothing_breaks(monkeypatch):
    monkeypatch.setattr(memory.ctypes.util, "find_library", lambda name: "no-such-libc.so")
    assert memory.tune_malloc() is False
