#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then runs
# `cargo test --release` (arguments are passed on, e.g. `scripts/test.sh --test
# recorder`). `scripts/test.sh --tools-only` installs and stops there.
#
#   tmux, curl, zstd   from the system's packages (apt-get, as root or with
#                      sudo without a password; otherwise it says what to install)
#   asciinema 2.4      PyPI, into a virtual environment of its own
#   asciinema 3.2      crates.io, into a cargo root of its own
#
# Both players live under target/test-tools, so nothing of the user's is
# touched; a second run installs nothing. tests/common/programs.rs looks there
# first, so a plain `cargo test --release` works once this has run.
set -euo pipefail
cd "$(dirname "$0")/.."
# $TVMUX_TEST_TOOLS puts them elsewhere (CI keeps them across fresh clones).
tools="${TVMUX_TEST_TOOLS:-${CARGO_TARGET_DIR:-$PWD/target}/test-tools}"
mkdir -p "$tools"

apt_install() {
  local runner=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      runner=(sudo -n)
    else
      echo "scripts/test.sh: the tests need $*; install them (e.g. 'sudo apt-get install $*') and run this again" >&2
      exit 2
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    echo "scripts/test.sh: the tests need $*, and this system has no apt-get: install them with its package manager" >&2
    exit 2
  fi
  echo "installing $* (apt-get)"
  "${runner[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq "$@" >/dev/null
}

missing=()
for program in tmux curl zstd; do
  command -v "$program" >/dev/null || missing+=("$program")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# asciinema 2.4: found by its version in its own environment.
venv="$tools/asciinema2"
has24() { "$venv/bin/python" -c 'import importlib.metadata as m; assert m.version("asciinema").startswith("2.4.")' 2>/dev/null; }
if ! has24; then
  echo "installing asciinema 2.4 into $venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 keeps venv in a package of its own.
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check 'asciinema==2.4.0'
  has24
fi

# asciinema 3.2: its own cargo root, so it shadows nothing on PATH.
root3="$tools/asciinema3"
if ! "$root3/bin/asciinema" --version 2>/dev/null | grep -q '^asciinema 3\.2\.'; then
  echo "installing asciinema 3.2 into $root3 (a few minutes, once)"
  cargo install -q --locked asciinema --version 3.2.0 --root "$root3"
fi

export TVMUX_TEST_PYTHON="$venv/bin/python" ASCIINEMA3="$root3/bin/asciinema"
echo "players: asciinema $("$TVMUX_TEST_PYTHON" -c 'import importlib.metadata as m; print(m.version("asciinema"))') ($TVMUX_TEST_PYTHON), $("$ASCIINEMA3" --version) ($ASCIINEMA3)"
if [ "${1:-}" = --tools-only ]; then exit 0; fi
exec cargo test --release "$@"
