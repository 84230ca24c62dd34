# Sourced by bin/run, bin/test and bench/run: the virtual environment, installed from a lock
# file with hashes (every transitive dependency pinned), and only again when that lock changes.
# shellcheck shell=bash

# Debian ships Python's venv module apart (python3-venv): install it as root, else say so.
venv_module_check() {
  python3 -c 'import ensurepip, venv' 2>/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing python3-venv with apt…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "uchat needs Python's venv module: install it (Debian/Ubuntu: sudo apt-get install python3-venv)."
    exit 1
  fi
}

install_locked() {
  local lock="$1"
  local stamp=".venv/.installed-$(basename "$lock")"
  local sum
  sum="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [ ! -x .venv/bin/python ]; then
    venv_module_check
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
    echo "$sum" >"$stamp"
  fi
}
