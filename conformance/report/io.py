"""Writing and reading report directories (``report.json`` and ``report.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.report.build import SCHEMA_VERSION
from conformance.report.markdown import render_markdown

JSON_NAME = "report.json"
MARKDOWN_NAME = "report.md"
_REQUIRED_KEYS = ("schema_version", "implementation", "run", "summary", "properties")


class ReportError(Exception):
    """A report file cannot be read: says which file and why."""


def write_reports(report: dict[str, Any], directory: str | Path) -> Path:
    """Write ``report.json`` and ``report.md`` into ``directory`` (created if needed); return the directory."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    (target / JSON_NAME).write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (target / MARKDOWN_NAME).write_text(render_markdown(report), encoding="utf-8")
    return target


def read_report(path: str | Path) -> dict[str, Any]:
    """Read a ``report.json`` (or the directory holding one) and check it follows a schema we know."""
    source = Path(path)
    if source.is_dir():
        source = source / JSON_NAME
    try:
        report: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"cannot read report {str(source)!r}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"{str(source)!r} is not JSON ({error}); give the report.json a run wrote") from None
    missing = [key for key in _REQUIRED_KEYS if not isinstance(report, dict) or key not in report]
    if missing:
        raise ReportError(f"{str(source)!r} is not a conformance report: it lacks {', '.join(missing)}")
    if report["schema_version"] != SCHEMA_VERSION:
        raise ReportError(
            f"{str(source)!r} has schema_version {report['schema_version']!r}; this harness reads version "
            f"{SCHEMA_VERSION}: re-run the conformance run with this harness version"
        )
    return report
