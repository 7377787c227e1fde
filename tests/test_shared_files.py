"""Tests that need ../shared skip with the missing path named, and fail instead under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_files import shared_missing


def test_missing_shared_skips_naming_the_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="absent-folder does not exist"):
        shared_missing(tmp_path / "absent-folder", "the thing")


@pytest.mark.parametrize("value", ["true", "1"])
def test_missing_shared_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        shared_missing(tmp_path / "absent-folder", "the thing")
