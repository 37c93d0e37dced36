# Sourced by the scripts: find Python 3.13 and make .venv with the pinned requirements.
# shellcheck shell=bash

find_python313() {
  local c
  for c in "${PYTHON:-}" python3.13 "$(command -v pyenv >/dev/null 2>&1 && echo "$(pyenv root)/versions/3.13.0/bin/python3.13")" \
           "$HOME/.pyenv/versions/3.13.0/bin/python3.13" /usr/local/bin/python3.13 /usr/bin/python3.13; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else 1)' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  # any pyenv-installed 3.13.x
  if command -v pyenv >/dev/null 2>&1; then
    for c in "$(pyenv root)"/versions/3.13.*/bin/python3.13; do
      [ -x "$c" ] && { echo "$c"; return 0; }
    done
  fi
  return 1
}

ensure_venv() {
  # usage: ensure_venv ROOT  (creates ROOT/.venv and installs requirements_test.txt when it changed)
  local root=$1 venv=$1/.venv stamp
  if [ ! -x "$venv/bin/python" ]; then
    local py
    py=$(find_python313) || {
      echo "error: Python 3.13 is needed (Home Assistant 2025.4 runs on it) and none was found." >&2
      echo "       Install it (e.g. 'pyenv install 3.13.0') or set PYTHON=/path/to/python3.13." >&2
      exit 2
    }
    echo "Creating $venv with $py" >&2
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
  fi
  stamp=$(sha256sum "$root/requirements_test.txt" | cut -c1-16)
  if [ "$(cat "$venv/.req-stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "Installing test requirements into $venv (first run takes a few minutes)" >&2
    "$venv/bin/python" -m pip install -q -r "$root/requirements_test.txt"
    echo "$stamp" > "$venv/.req-stamp"
  fi
}

ensure_hass_runtime() {
  # usage: ensure_hass_runtime PYTHON  (installs the pinned requirements of the Home Assistant
  # components the demo and the end-to-end test start with --skip-pip: frontend, recorder...)
  local py=$1 missing
  missing=$("$py" "$(dirname "${BASH_SOURCE[0]}")/../tools/hass_requirements.py") || return 1
  if [ -n "$missing" ]; then
    echo "Installing Home Assistant component requirements: $(echo "$missing" | tr '\n' ' ')" >&2
    # shellcheck disable=SC2086
    "$py" -m pip install -q $missing
  fi
}

ensure_chromium() {
  # Headless Chromium for the end-to-end test's dashboard screenshot (Debian package 'chromium').
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium (headless screenshot of the demo dashboard)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
      || echo "warning: could not install chromium; the screenshot part of the e2e test will be skipped" >&2
  else
    echo "warning: chromium missing and not installable here; the e2e screenshot will be skipped" >&2
  fi
}
