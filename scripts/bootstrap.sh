# Sourced by the README's commands: makes .venv on first use and installs the
# project into it, again only when pyproject.toml changed (idempotent, offline
# after the first run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SSOT_VENV:-$ROOT/.venv}"

pick_python() {
  for candidate in "${SSOT_PYTHON:-}" python3 python3.12 python3.11 python3.10 python3.13; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "pytest-ssot needs Python 3.10 or newer on PATH (or SSOT_PYTHON=/path/to/python)" >&2
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  python_cmd="$(pick_python)"
  echo "creating $VENV with $python_cmd" >&2
  "$python_cmd" -m venv "$VENV"
fi

stamp="$VENV/.ssot-installed"
wanted="$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/bootstrap.sh" | cksum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  echo "installing pytest-ssot and its dependencies into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test]" >&2
  echo "$wanted" > "$stamp"
fi
PY="$VENV/bin/python"
