"""Generated docs (the property reference, the property manifest) stay in sync with the registry."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.docs import END, START, MarkersMissing, main, property_table, with_table
from conformance.manifest import MANIFEST, ManifestError, manifest_text, read_manifest
from conformance.registry import Property, load_all

README = Path(__file__).resolve().parent.parent / "docs" / "properties.md"


def test_table_lists_every_property_with_level_and_rule() -> None:
    properties = load_all()
    table = property_table(properties.values())
    for prop in properties.values():
        assert f"| `{prop.id}` | {prop.level} |" in table
    assert table.count("\n| `") == len(properties)
    assert f"{len(properties)} properties" in table.splitlines()[0]


def test_table_escapes_pipes_and_joins_lines() -> None:
    prop = Property("a.b", "required", ("X",), "Rule with | pipe\nand newline.", lambda impl: None, "m")
    assert "| `a.b` | required | X | Rule with \\| pipe and newline. |" in property_table([prop])


def test_with_table_replaces_only_between_markers() -> None:
    document = f"# Title\n\n{START}\nold table\n{END}\n\nafter\n"
    updated = with_table(document, "NEW")
    assert updated == f"# Title\n\n{START}\nNEW\n{END}\n\nafter\n"
    assert with_table(updated, "NEW") == updated
    with pytest.raises(MarkersMissing):
        with_table("no markers here", "NEW")
    with pytest.raises(MarkersMissing):
        with_table(f"{END}\n{START}\n", "NEW")


def test_check_and_write(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    manifest = tmp_path / "properties.json"
    path.write_text(f"intro\n{START}\nstale\n{END}\n", encoding="utf-8")
    assert main(["--check", str(path)], manifest=manifest) == 1
    assert not manifest.exists(), "--check wrote the manifest"
    assert main(["--write", str(path)], manifest=manifest) == 0
    assert main(["--check", str(path)], manifest=manifest) == 0
    assert property_table(load_all().values()) in path.read_text(encoding="utf-8")
    assert [entry.id for entry in read_manifest(manifest)] == list(load_all())
    manifest.write_text("[]\n", encoding="utf-8")  # a stale manifest alone fails the check
    assert main(["--check", str(path)], manifest=manifest) == 1
    assert main(["--check", str(tmp_path / "missing.md")], manifest=manifest) == 2
    (tmp_path / "plain.md").write_text("no markers\n", encoding="utf-8")
    assert main(["--write", str(tmp_path / "plain.md")], manifest=manifest) == 2


def test_readme_property_table_is_in_sync() -> None:
    assert README.is_file(), f"{README} is missing"
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, (
        f"docs/properties.md needs the markers {START} and {END} around the property table"
    )
    assert with_table(text, property_table(load_all().values())) == text, (
        "docs/properties.md property table is out of date: run `python -m conformance.docs --write docs/properties.md`"
    )


def test_bundled_manifest_is_in_sync() -> None:
    assert MANIFEST.read_text(encoding="utf-8") == manifest_text(load_all().values()), (
        "conformance/data/properties.json is out of date: run `python -m conformance.docs --write docs/properties.md`"
    )
    entries = read_manifest()
    assert [(entry.id, entry.level, entry.needs, entry.rule) for entry in entries] == [
        (prop.id, prop.level, prop.needs, prop.rule) for prop in load_all().values()
    ]


def test_unreadable_manifest_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "properties.json"
    broken.write_text('[{"id": "a.b"}]', encoding="utf-8")
    with pytest.raises(ManifestError, match="regenerate"):
        read_manifest(broken)
    with pytest.raises(ManifestError):
        read_manifest(tmp_path / "absent.json")


def test_list_imports_no_torch() -> None:
    """`s2t-conformance list` answers from the manifest: neither torch nor a property module is imported."""
    program = (
        "import sys\n"
        "from conformance.cli import main\n"
        "code = main(['list', '--format', 'json'])\n"
        "loaded = sorted(n for n in sys.modules if n == 'torch' or n.startswith('conformance.properties'))\n"
        "sys.stderr.write(repr(loaded))\n"
        "raise SystemExit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "[]", f"list imported {done.stderr}"
    assert '"id": "embedding.forward.shape"' in done.stdout


# --- the commands the docs show are run ------------------------------------------------------------------------
#
# A fenced ```bash block right after `<!-- doc-test: exit=N -->` runs in an empty folder (with `.venv` pointing at
# this interpreter's environment) and must exit N; with `output`, the next fenced block is its output: every line
# but `...` (an elision) must appear, in order, in the real output (durations and counts of deselected properties
# normalised). A block after `<!-- doc-test: ci -->` is too slow for a test: each of its lines must be a line of
# .ci/run, which runs it.

ROOT = Path(__file__).resolve().parent.parent
DOC_PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
_MARK = re.compile(r"<!-- doc-test: (?P<spec>[^>]*?) -->\s*\n```bash\n(?P<code>.*?)\n```", re.DOTALL)
_FENCE = re.compile(r"```[a-z]*\n(?P<body>.*?)\n```", re.DOTALL)
_VOLATILE = [
    (re.compile(r"\bin \d+(\.\d+)?s( \(\d+:\d+:\d+\))?"), "in Ns"),
    (re.compile(r"\b\d+ deselected"), "N deselected"),
]


@dataclass(frozen=True)
class DocExample:
    page: str
    line: int
    code: str
    exit_code: int | None
    output: str | None
    in_ci: bool

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def doc_examples(page: Path) -> list[DocExample]:
    text = page.read_text(encoding="utf-8")
    examples = []
    for match in _MARK.finditer(text):
        words = match["spec"].split()
        exit_words = [word for word in words if word.startswith("exit=")]
        output = None
        if "output" in words:
            following = _FENCE.search(text, match.end())
            assert following is not None, f"{page.name}: doc-test with `output` but no fenced block after it"
            output = following["body"]
        examples.append(
            DocExample(
                page=str(page.relative_to(ROOT)),
                line=text.count("\n", 0, match.start()) + 1,
                code=match["code"],
                exit_code=int(exit_words[0].removeprefix("exit=")) if exit_words else None,
                output=output,
                in_ci="ci" in words,
            )
        )
    return examples


def _normalise(line: str) -> str:
    line = line.rstrip()
    for pattern, replacement in _VOLATILE:
        line = pattern.sub(replacement, line)
    return line


def missing_output_lines(shown: str, real: str) -> list[str]:
    """The lines of ``shown`` (but ``...``) not found, in order, among the lines of ``real``."""
    real_lines = [_normalise(line) for line in real.splitlines()]
    missing, position = [], 0
    for line in (_normalise(line) for line in shown.splitlines()):
        if line.strip() == "...":
            continue
        try:
            position = real_lines.index(line, position) + 1
        except ValueError:
            missing.append(line)
    return missing


EXAMPLES = [example for page in DOC_PAGES for example in doc_examples(page)]


def test_docs_mark_examples() -> None:
    pages = {example.page for example in EXAMPLES}
    assert {"README.md", "docs/checking.md", "docs/adapters.md", "docs/downstream.md"} <= pages, pages
    assert all(example.exit_code is not None or example.in_ci for example in EXAMPLES), "a doc-test needs exit=N or ci"


def test_output_comparison_finds_changed_and_reordered_lines() -> None:
    real = "a\nb 1 passed in 2.5s\nc\n"
    assert missing_output_lines("a\n...\nb 1 passed in 9.1s\n", real) == []
    assert missing_output_lines("a\nb 2 passed in 2.5s\n", real) == ["b 2 passed in Ns"]
    assert missing_output_lines("c\na\n", real) == ["a"]


@pytest.mark.parametrize("example", [e for e in EXAMPLES if not e.in_ci], ids=str)
def test_doc_example_runs(example: DocExample, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    environment = {
        **{
            name: value for name, value in os.environ.items() if name not in {"PYTEST_ADDOPTS", "S2T_CONFORMANCE_CACHE"}
        },
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": f"{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        ["bash", "-c", example.code], cwd=work, env=environment, capture_output=True, text=True, timeout=300
    )
    real = done.stdout + done.stderr
    assert done.returncode == example.exit_code, (
        f"{example}: exit {done.returncode}, expected {example.exit_code}\n{real}"
    )
    if example.output is not None:
        missing = missing_output_lines(example.output, real)
        assert not missing, f"{example}: the shown output has lines the real output lacks: {missing}\n--- real:\n{real}"


def test_ci_examples_are_run_by_ci() -> None:
    ci_lines = {line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()}
    for example in (e for e in EXAMPLES if e.in_ci):
        for line in example.code.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                assert line.strip() in ci_lines, f"{example}: `{line.strip()}` is not a line of .ci/run"


def test_readme_test_command_is_the_first_line_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [body for body in _FENCE.findall(readme) if body.startswith("python3 -m venv .venv")]
    assert len(commands) == 2, "the README shows the two commands"
    steps = [
        line
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert steps[0] == commands[1], "the first command of .ci/run must be the README's test command, verbatim"
    assert commands[0] in steps, "the README's main command must be run by .ci/run, verbatim"


_FILE_MARK = re.compile(r"<!-- doc-file: (?P<path>\S+) -->\s*\n```[a-z]*\n(?P<body>.*?)```", re.DOTALL)


def test_files_quoted_in_docs_are_the_files() -> None:
    """A fenced block after `<!-- doc-file: PATH -->` is PATH's content, byte for byte (copy-paste snippets)."""
    quoted = [(page, match) for page in DOC_PAGES for match in _FILE_MARK.finditer(page.read_text(encoding="utf-8"))]
    assert {match["path"] for _, match in quoted} >= {
        "docs/examples/downstream/tox.ini",
        "docs/examples/downstream/.github/workflows/conformance.yml",
    }
    for page, match in quoted:
        assert (ROOT / match["path"]).read_text(encoding="utf-8") == match["body"], (
            f"{page.name}: the block quoting {match['path']} differs from the file; copy the file into the page"
        )


def test_downstream_workflow_runs_what_the_docs_say() -> None:
    """The example workflow and tox env run the harness on the example module; the module has the three classes."""
    yaml = pytest.importorskip("yaml")
    example = ROOT / "docs" / "examples" / "downstream"
    workflow = yaml.safe_load((example / ".github" / "workflows" / "conformance.yml").read_text(encoding="utf-8"))
    steps = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(step.startswith("pytest --pyargs conformance --impl my_speech") for step in steps), steps
    assert "--impl my_speech" in (example / "tox.ini").read_text(encoding="utf-8")
    module = (example / "my_speech" / "__init__.py").read_text(encoding="utf-8")
    for name in ("Speech2TextConfig", "Wav2Vec2Config", "Speech2TextSinusoidalPositionalEmbedding"):
        assert name in module


_LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(#[^)]*)?\)")


def test_relative_links_in_docs_point_at_files() -> None:
    """Every relative link of the README and docs/ names a file or folder that exists (links outside the clone,
    such as ../shared, and web addresses are not checked)."""
    broken = []
    for page in DOC_PAGES:
        for match in _LINK.finditer(page.read_text(encoding="utf-8")):
            target = match["target"]
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (page.parent / target).resolve()
            if ROOT in resolved.parents and not resolved.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, broken
