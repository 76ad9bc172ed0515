# Sourced by scripts/run and scripts/test: make .venv and install the project (with the
# given extras) whenever pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
extras="${1:-}"
stamp=".venv/.installed${extras:+-$extras}"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing usecase-bot${extras:+ with $extras tools} into .venv ..." >&2
    log=.venv/install.log
    if ! { .venv/bin/python -m pip install --upgrade pip &&
           .venv/bin/python -m pip install -e ".${extras:+[$extras]}"; } >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "Installation failed; the full log is in $log" >&2
        exit 1
    fi
    touch "$stamp"
fi
