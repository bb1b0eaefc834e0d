"""Start-up noise written straight to descriptor 2 stays off the console, unless loading fails."""

import os

import pytest

from pipeline.quiet import native_stderr_silenced


def test_native_notes_are_silenced(capfd):
    with native_stderr_silenced():
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on.\n")
    assert "oneDNN" not in capfd.readouterr().err


def test_what_was_printed_is_shown_when_loading_fails(capfd, monkeypatch):
    import pipeline.quiet as quiet

    monkeypatch.setattr(quiet, "_console", None)  # a console stream on this test's stderr
    with pytest.raises(RuntimeError), native_stderr_silenced():
        os.write(2, b"E0000 could not load the model\n")
        raise RuntimeError("load failed")
    assert "could not load the model" in capfd.readouterr().err
