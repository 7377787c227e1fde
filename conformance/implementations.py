"""Resolve ``--impl`` into an :class:`Implementation`: the contract classes it provides and its version.

``IMPL`` is ``reference``, ``transformers``, an importable module path (``pkg.mod``) or an object in
one (``pkg.mod:obj``). Resolution imports the implementation, so it happens at run time only.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

from conformance.contract import CLASS_NAMES, EMBEDDING, SPEECH2TEXT_CONFIG, WAV2VEC2_CONFIG


class ImplementationError(Exception):
    """``--impl`` cannot be resolved: says what was given, what went wrong and what to do."""


#: Where the named implementations keep the three classes (class name -> "module:attribute").
KNOWN: dict[str, dict[str, str]] = {
    "reference": {name: f"reference:{name}" for name in CLASS_NAMES},
    "transformers": {
        SPEECH2TEXT_CONFIG: "transformers.models.speech_to_text.configuration_speech_to_text:Speech2TextConfig",
        WAV2VEC2_CONFIG: "transformers.models.wav2vec2.configuration_wav2vec2:Wav2Vec2Config",
        EMBEDDING: (
            "transformers.models.speech_to_text.modeling_speech_to_text:Speech2TextSinusoidalPositionalEmbedding"
        ),
    },
}
_DISTRIBUTIONS = {"reference": "s2t-conformance", "transformers": "transformers"}


@dataclass
class Implementation:
    """An implementation under test: the contract classes it provides, by name."""

    name: str
    version: str
    classes: dict[str, type] = field(default_factory=dict)
    #: Why each missing class is missing (class name -> reason).
    missing: dict[str, str] = field(default_factory=dict)

    def provides(self, class_name: str) -> bool:
        return class_name in self.classes

    def get(self, class_name: str) -> Any:
        """The class ``class_name``; raises :class:`NotProvided` if the implementation lacks it."""
        try:
            return self.classes[class_name]
        except KeyError:
            raise NotProvided(class_name, self) from None

    @property
    def speech2text_config(self) -> Any:
        return self.get(SPEECH2TEXT_CONFIG)

    @property
    def wav2vec2_config(self) -> Any:
        return self.get(WAV2VEC2_CONFIG)

    @property
    def embedding(self) -> Any:
        return self.get(EMBEDDING)


class NotProvided(LookupError):
    def __init__(self, class_name: str, implementation: Implementation) -> None:
        reason = implementation.missing.get(class_name, "not found")
        super().__init__(f"{implementation.name} does not provide {class_name} ({reason})")
        self.class_name = class_name


def _import(module_name: str, spec: str) -> Any:
    try:
        return _import_with_working_directory(module_name)
    except Exception as error:  # an implementation may fail in any way while importing
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        if isinstance(error, ModuleNotFoundError) and error.name and module_name.startswith(error.name):
            hint = (
                f"no module named {error.name!r} is importable. --impl takes 'reference', 'transformers', "
                "an importable module path (pkg.mod) or 'pkg.mod:object'; check the spelling, install the "
                "package, or run from the directory that holds it"
            )
        else:
            hint = "the module exists but raised while importing; fix the error above and run again"
        raise ImplementationError(f"cannot import implementation {spec!r}: {detail}\n  {hint}") from error


def _import_with_working_directory(module_name: str) -> Any:
    """Import ``module_name``; a module not found on ``sys.path`` is looked for in the working directory too.

    ``python -m pytest`` puts the working directory on ``sys.path`` and the ``pytest`` script does not:
    ``--impl mymodule`` finds ``./mymodule.py`` either way.
    """
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        working_directory = os.getcwd()
        top_level = module_name.partition(".")[0]
        if error.name != top_level or working_directory in sys.path or "" in sys.path:
            raise
        sys.path.append(working_directory)
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as retry_error:
            if retry_error.name == top_level:
                sys.path.remove(working_directory)
            raise


def _version_of(spec: str, root: Any) -> str:
    distribution = _DISTRIBUTIONS.get(spec)
    if distribution is not None:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            pass
    version = getattr(root, "__version__", None)
    if version is not None:
        return str(version)
    module_name = str(getattr(root, "__name__", ""))
    top_level = module_name.partition(".")[0]
    for name in importlib.metadata.packages_distributions().get(top_level, []):
        try:
            return f"{importlib.metadata.version(name)} (distribution {name})"
        except importlib.metadata.PackageNotFoundError:
            continue
    top_version = getattr(sys.modules.get(top_level), "__version__", None)
    if top_version is not None:
        return str(top_version)
    where = getattr(root, "__file__", None) or module_name or spec
    return f"unknown (module {where}, not an installed distribution)"


def _did_you_mean(class_name: str, holder: Any) -> str:
    """`` (did you mean 'Speech2TextConfg'?)`` when ``holder`` has a near-miss of ``class_name``."""
    try:
        names = [name for name in dir(holder) if not name.startswith("_")]
    except Exception:  # dir() of an arbitrary object may fail
        return ""
    close = difflib.get_close_matches(class_name, names, n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}? class names must match the contract exactly)" if close else ""


def _from_object(spec: str, holder: Any, version: str) -> Implementation:
    implementation = Implementation(name=spec, version=version)
    for class_name in CLASS_NAMES:
        try:
            found = getattr(holder, class_name)
        except AttributeError:
            implementation.missing[class_name] = "no attribute of that name" + _did_you_mean(class_name, holder)
            continue
        except Exception as error:  # a lazy attribute that fails to import
            implementation.missing[class_name] = f"raised {type(error).__name__}: {error}"
            continue
        if not isinstance(found, type):
            implementation.missing[class_name] = f"is a {type(found).__name__}, not a class"
            continue
        implementation.classes[class_name] = found
    return implementation


def _known(spec: str) -> Implementation:
    root = _import(spec, spec)
    implementation = Implementation(name=spec, version=_version_of(spec, root))
    for class_name, location in KNOWN[spec].items():
        module_name, attribute = location.split(":")
        try:
            implementation.classes[class_name] = getattr(importlib.import_module(module_name), attribute)
        except Exception as error:
            implementation.missing[class_name] = f"{location}: {type(error).__name__}: {error}"
    if implementation.missing:
        # A named implementation always has all three classes: a missing one is a broken install (or a
        # broken reference), never "not provided" — reporting it as skipped would turn a defect green.
        reasons = "; ".join(f"{name}: {why}" for name, why in implementation.missing.items())
        raise ImplementationError(
            f"implementation {spec!r} {implementation.version} should provide all of {', '.join(CLASS_NAMES)} "
            f"but some failed to load ({reasons}). Reinstall it, or fix the error above"
        )
    return implementation


def resolve(spec: str) -> Implementation:
    """Turn an ``--impl`` value into an :class:`Implementation`; raise :class:`ImplementationError`."""
    spec = spec.strip()
    if not spec:
        raise ImplementationError("--impl is empty: give 'reference', 'transformers', 'pkg.mod' or 'pkg.mod:object'")
    if spec in KNOWN:
        implementation = _known(spec)
    else:
        module_name, _, object_path = spec.partition(":")
        module = _import(module_name, spec)
        holder: Any = module
        for part in filter(None, object_path.split(".")):
            try:
                holder = getattr(holder, part)
            except AttributeError:
                raise ImplementationError(
                    f"implementation {spec!r}: module {module_name!r} has no attribute {part!r}; "
                    "'pkg.mod:object' names an object in the module that exposes the contract classes"
                ) from None
        implementation = _from_object(spec, holder, _version_of(spec, module))
    if not implementation.classes:
        reasons = "; ".join(f"{name}: {why}" for name, why in implementation.missing.items())
        raise ImplementationError(
            f"implementation {spec!r} provides none of {', '.join(CLASS_NAMES)} ({reasons}). "
            "Point --impl at the module (or 'module:object') that exposes them"
        )
    return implementation
