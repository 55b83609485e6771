#!/usr/bin/env bash
# Installs the players that judge what "valid" means, when missing:
#   asciinema 2.4 (PyPI; `asciinema` on PATH, importable by python3)
#   asciinema 3.2 (crates.io; in $ASCIINEMA3_ROOT, default /opt/asciinema3,
#   so it does not shadow 2.4's `asciinema` command)
# tests/players.rs finds 3.2 at $ASCIINEMA3 (default /opt/asciinema3/bin/asciinema).
set -euo pipefail
root="${ASCIINEMA3_ROOT:-/opt/asciinema3}"
if ! python3 -c 'import importlib.metadata as m; assert m.version("asciinema").startswith("2.4")' 2>/dev/null; then
  python3 -m pip install -q 'asciinema==2.4.0'
fi
if ! "$root/bin/asciinema" --version 2>/dev/null | grep -q '3\.2'; then
  cargo install -q --locked asciinema --version 3.2.0 --root "$root"
fi
echo "players: $(asciinema --version), $("$root/bin/asciinema" --version) at $root/bin/asciinema"
