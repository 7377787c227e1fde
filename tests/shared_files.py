"""Where the tests find ``../shared`` (the steering repository's ``shared/`` folder, laid beside the clone).

Some tests read the contract's text (``shared/spec/INTERFACE.md``) and published config files
(``shared/fixtures/hub-configs``). Without the folder they skip, saying which path is missing and what to do;
under CI (``CI`` set, as ``.ci/run`` runs) they fail instead, so that a missing ``shared/`` never passes for
green. ``S2T_SHARED_DIR`` points the tests at another copy.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

SHARED_ENVIRONMENT = "S2T_SHARED_DIR"
SHARED = Path(os.environ.get(SHARED_ENVIRONMENT) or Path(__file__).resolve().parents[2] / "shared")


def shared_missing(path: Path, what: str) -> NoReturn:
    """Skip (fail under CI) because ``path``, which holds ``what``, does not exist."""
    message = (
        f"{what}: {path} does not exist. These tests read shared/ beside the clone ({SHARED}); lay the steering "
        f"repository's shared/ folder there, or set {SHARED_ENVIRONMENT} to a copy of it"
    )
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{message} (CI is set: a missing shared/ fails instead of skipping)", pytrace=False)
    pytest.skip(message)
