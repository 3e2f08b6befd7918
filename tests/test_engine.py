"""The embedded engine starts, answers, and leaves no JVM behind; failures say how to fix them."""

from __future__ import annotations

import os
import socket

import pytest

from dev import engine


def test_start_answer_stop_leaves_nothing_behind() -> None:
    local = engine.LocalDynamo()
    local.start()
    process = local.process
    assert process is not None and process.poll() is None
    with socket.create_connection(("127.0.0.1", local.port), timeout=2):
        pass
    local.stop()
    assert process.poll() is not None, "the JVM is still running"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", local.port), timeout=1):
        pass


def test_a_missing_java_says_how_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(engine.EngineError, match="openjdk-17-jre-headless"):
        engine.find_java()


def test_a_missing_npm_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: os.PathLike[str]
) -> None:
    monkeypatch.setenv("TABLEGATE_CACHE", str(tmp_path))  # nothing cached there
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(engine.EngineError, match="apt-get install -y nodejs npm"):
        engine.install(verbose=False)


def test_java_versions_are_read_from_both_styles() -> None:
    assert engine._java_major('openjdk version "17.0.15" 2025-04-15') == 17
    assert engine._java_major('java version "1.8.0_392"') == 8
