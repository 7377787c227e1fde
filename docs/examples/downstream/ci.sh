#!/usr/bin/env bash
# The downstream example, end to end, as this project's CI runs it (docs/downstream.md):
# build the harness (sdist, then a wheel from it), install the wheel and this example project into a fresh
# venv, run the harness on my_speech from an empty folder, and check the exit status, the report and that the
# folder stayed empty. Usage: docs/examples/downstream/ci.sh [TORCH_REQUIREMENT]   (default torch==2.13.0)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
uv="$root/.venv/bin/uv"
torch_requirement=${1:-torch==2.13.0}
work=$(mktemp -d -t s2t-downstream-XXXXXX)
trap 'rm -rf "$work"' EXIT
# where pip finds a local torch wheel (PIP_FIND_LINKS or pip's config), uv finds it too: else torch==X is the
# index's build, on Linux the multi-GB CUDA one
if [ -z "${UV_FIND_LINKS:-}" ]; then
  UV_FIND_LINKS=${PIP_FIND_LINKS:-$("$root/.venv/bin/pip" config get global.find-links 2>/dev/null || true)}
fi
export UV_FIND_LINKS
[ -n "$UV_FIND_LINKS" ] || unset UV_FIND_LINKS

"$uv" build -q --out-dir "$work/dist" "$root"
cp -r "$here" "$work/project"  # installing from a path builds in that folder: keep the checkout clean
"$uv" venv -q --python "$(command -v python3)" "$work/venv"
"$uv" pip install -q --python "$work/venv/bin/python" "$torch_requirement" "$work"/dist/s2t_conformance-*.whl "$work/project"

mkdir "$work/run"
cd "$work/run"
status=0
# one property of each class: the installed harness, its plugins and the example module working together (the
# full property set runs on the reference earlier in CI)
XDG_CACHE_HOME="$work/cache" "$work/venv/bin/pytest" --pyargs conformance --impl my_speech --level required \
  --property embedding.forward.shape --property speech2text-config.defaults.stored \
  --property wav2vec2-config.defaults.stored --conformance-report "$work/report" -q || status=$?
[ "$status" -eq 0 ] || { echo "downstream: the conformance run exited $status" >&2; exit 1; }
[ -z "$(ls -A "$work/run")" ] || { echo "downstream: the run left files behind: $(ls -A "$work/run")" >&2; exit 1; }
"$work/venv/bin/python" - "$work/report/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
summary = report["summary"]
assert report["implementation"]["name"] == "my_speech", report["implementation"]
assert summary["ok"] and summary["passed"] == 3 and summary["failed"] == 0, summary
print(f"downstream: my_speech {summary['verdict']}: {summary['passed']} passed, {summary['failed']} failed")
PY
