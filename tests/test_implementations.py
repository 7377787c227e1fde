"""Resolving ``--impl``: named implementations, module paths, ``module:object``, partial and broken ones."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.contract import CLASS_NAMES, EMBEDDING, SPEECH2TEXT_CONFIG, WAV2VEC2_CONFIG
from conformance.implementations import KNOWN, ImplementationError, NotProvided, resolve


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on ``sys.path`` for throw-away implementation modules (unloaded afterwards)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("impl_under_test"):
            del sys.modules[name]


def write(directory: Path, name: str, source: str) -> None:
    (directory / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")


def test_reference_provides_every_class() -> None:
    implementation = resolve("reference")
    assert sorted(implementation.classes) == sorted(CLASS_NAMES)
    assert implementation.missing == {}
    assert implementation.version != "unknown"
    assert implementation.speech2text_config.__name__ == SPEECH2TEXT_CONFIG


def test_unknown_module_names_the_accepted_forms() -> None:
    with pytest.raises(ImplementationError) as caught:
        resolve("impl_under_test_that_does_not_exist")
    message = str(caught.value)
    assert "No module named 'impl_under_test_that_does_not_exist'" in message
    assert "pkg.mod:object" in message


def test_empty_spec_is_an_error() -> None:
    with pytest.raises(ImplementationError, match="empty"):
        resolve("  ")


def test_module_raising_on_import_reports_its_error(modules: Path) -> None:
    write(modules, "impl_under_test_raising", "import math\nraise RuntimeError('cannot load weights table')\n")
    with pytest.raises(ImplementationError) as caught:
        resolve("impl_under_test_raising")
    assert "RuntimeError: cannot load weights table" in str(caught.value)
    assert "raised while importing" in str(caught.value)


def test_module_with_a_missing_dependency_names_it(modules: Path) -> None:
    write(modules, "impl_under_test_dependency", "import impl_under_test_missing_dependency\n")
    with pytest.raises(ImplementationError, match="impl_under_test_missing_dependency"):
        resolve("impl_under_test_dependency")


def test_module_object_form_and_partial_implementation(modules: Path) -> None:
    write(
        modules,
        "impl_under_test_partial",
        """
        import reference

        class Bundle:
            Speech2TextConfig = reference.Speech2TextConfig
            Wav2Vec2Config = "not a class"
        """,
    )
    implementation = resolve("impl_under_test_partial:Bundle")
    assert implementation.name == "impl_under_test_partial:Bundle"
    assert list(implementation.classes) == [SPEECH2TEXT_CONFIG]
    assert implementation.missing[WAV2VEC2_CONFIG] == "is a str, not a class"
    assert implementation.missing[EMBEDDING] == "no attribute of that name"
    assert implementation.provides(SPEECH2TEXT_CONFIG) and not implementation.provides(EMBEDDING)
    with pytest.raises(NotProvided, match=EMBEDDING):
        _ = implementation.embedding


def test_missing_object_in_module_is_an_error(modules: Path) -> None:
    write(modules, "impl_under_test_plain", "X = 1\n")
    with pytest.raises(ImplementationError, match="has no attribute 'Bundle'"):
        resolve("impl_under_test_plain:Bundle")


def test_module_providing_nothing_is_an_error(modules: Path) -> None:
    write(modules, "impl_under_test_empty", "X = 1\n")
    with pytest.raises(ImplementationError, match="provides none of"):
        resolve("impl_under_test_empty")


def test_lazy_attribute_that_fails_is_reported_missing(modules: Path) -> None:
    write(
        modules,
        "impl_under_test_lazy",
        """
        import reference
        Speech2TextConfig = reference.Speech2TextConfig

        def __getattr__(name):
            if name == "Speech2TextSinusoidalPositionalEmbedding":
                raise ImportError("torch build without this operator")
            raise AttributeError(name)
        """,
    )
    implementation = resolve("impl_under_test_lazy")
    assert "ImportError: torch build without this operator" in implementation.missing[EMBEDDING]
    assert implementation.missing[WAV2VEC2_CONFIG] == "no attribute of that name"


def test_transformers_is_known() -> None:
    pytest.importorskip("transformers")
    implementation = resolve("transformers")
    assert sorted(implementation.classes) == sorted(CLASS_NAMES)
    assert implementation.classes[EMBEDDING].__module__.startswith("transformers.")


def test_named_implementation_missing_a_class_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """``reference`` or ``transformers`` without one of the classes is broken, not a partial implementation."""
    import reference

    monkeypatch.setattr(reference, "Speech2TextConfig", None, raising=False)
    broken_location = dict(KNOWN["reference"], **{EMBEDDING: "reference:NoSuchEmbedding"})
    monkeypatch.setitem(KNOWN, "reference", broken_location)
    with pytest.raises(ImplementationError, match="NoSuchEmbedding"):
        resolve("reference")
