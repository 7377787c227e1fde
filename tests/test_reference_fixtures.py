"""Real published configuration files load into the reference configs with every value kept.

The fixtures live in ``shared/fixtures/hub-configs`` beside the clone (``/work/shared`` beside ``/work/main``
here, the same layout in CI); the packaged copy of the ``config.json`` files in ``conformance/data/hub_configs``
is preferred when present.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reference import PreTrainedConfig, Speech2TextConfig, Wav2Vec2Config
from tests.shared_files import SHARED as SHARED_ROOT
from tests.shared_files import shared_missing

REPOSITORY = Path(__file__).resolve().parents[1]
#: The packaged copy: one ``<org>__<name>.json`` per published ``config.json``.
PACKAGED = REPOSITORY / "conformance" / "data" / "hub_configs"
#: The published files: ``<org>__<name>/<file>.json``.
SHARED = SHARED_ROOT / "fixtures" / "hub-configs"
CLASSES_BY_MODEL_TYPE: dict[str, type[PreTrainedConfig]] = {
    Speech2TextConfig.model_type: Speech2TextConfig,
    Wav2Vec2Config.model_type: Wav2Vec2Config,
}
#: The one parameter of a test whose files are missing: the test then skips (fails under CI) saying which.
MISSING = [pytest.param(None, id="files-missing")]


def _config_files() -> list[Path]:
    if PACKAGED.is_dir():
        return sorted(PACKAGED.glob("*.json"))
    return sorted(SHARED.glob("*/config.json")) if SHARED.is_dir() else []


def _parameters(files: list[Path]) -> list[Any]:
    return [pytest.param(path, id=f"{path.parent.name}/{path.name}") for path in files] or MISSING


def _load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def test_fixtures_hold_configs_of_both_classes() -> None:
    files = _config_files()
    if not files:
        shared_missing(SHARED, f"the published config files (no packaged copy at {PACKAGED} either)")
    assert set(CLASSES_BY_MODEL_TYPE) <= {_load(path).get("model_type") for path in files}


def test_packaged_copy_equals_the_published_files() -> None:
    if not PACKAGED.is_dir():
        pytest.skip(f"no packaged copy at {PACKAGED} to compare")
    if not SHARED.is_dir():
        shared_missing(SHARED, "the published config files")
    published = {path.parent.name: _load(path) for path in SHARED.glob("*/config.json")}
    packaged = {path.stem: _load(path) for path in PACKAGED.glob("*.json")}
    assert packaged == published


@pytest.mark.parametrize("path", _parameters(_config_files()))
def test_config_file_loads_with_every_value_kept(path: Path | None) -> None:
    if path is None:
        shared_missing(SHARED, f"the published config files (no packaged copy at {PACKAGED} either)")
    published = _load(path)
    config_class = CLASSES_BY_MODEL_TYPE[published["model_type"]]
    config = config_class.from_dict(published)
    as_dict = config.to_dict()
    for key, value in published.items():
        assert key in as_dict, key
        assert as_dict[key] == value, key
    rebuilt = config_class.from_dict(json.loads(config.to_json_string()))
    assert rebuilt.to_dict() == as_dict
    assert config_class.from_dict(rebuilt.to_dict()).to_dict() == as_dict


# Preprocessor, feature extractor and tokenizer files (and vocabularies) are not configs of these classes:
# they are only checked to be valid JSON objects.
@pytest.mark.parametrize(
    "path", _parameters(sorted(path for path in SHARED.glob("*/*.json") if path.name != "config.json"))
)
def test_other_fixture_files_are_valid_json(path: Path | None) -> None:
    if path is None:
        shared_missing(SHARED, "the published preprocessor and tokenizer files")
    assert _load(path)
