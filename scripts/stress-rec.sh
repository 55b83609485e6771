#!/usr/bin/env bash
# A recorded session whose other windows flood output (40 windows × 27 MB of
# base64, started 50 ms apart), on a private tmux server. Prints "alive" if
# tmux survived. It crashed tmux 3.3a (SIGSEGV in control_append_data) every
# time while the recorder switched off the output of panes it did not need
# (refresh-client -A %N:off): a pane switched off with output still queued.
#   scripts/stress-rec.sh [RUNS]    (default 5)
# Note: tmux 3.3a under this flood also exits now and then with no tvmux
# running at all when $TMUX points at it; such a run says "DEAD" without a
# segfault in dmesg.
set -u
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin tvmux
B=$PWD/target/release/tvmux
work=$(mktemp -d)
name=tvmux-stress-$$
T="tmux -L $name"
trap '$B server stop >/dev/null 2>&1; $T kill-server 2>/dev/null; rm -rf "$work"' EXIT
for run in $(seq "${1:-5}"); do
  $T -f /dev/null new-session -d -s work -x 120 -y 40 -- sh
  sock=$($T display -p '#{socket_path}')
  pane=$($T display -p -t work '#{pane_id}')
  TVMUX_RUNTIME_DIR=$work/run TVMUX_CONFIG_FILE=$work/none TVMUX_OUTPUT_DIRECTORY=$work/casts \
    TMUX="$sock,1,0" TMUX_PANE=$pane $B rec start >/dev/null
  for _ in $(seq 40); do
    $T new-window -d -t work -- sh -c 'head -c 20000000 /dev/urandom | base64; sleep 1'
    sleep 0.05
  done
  sleep 3
  if $T ls >/dev/null 2>&1; then echo "run $run: alive"; else echo "run $run: DEAD"; fi
  TVMUX_RUNTIME_DIR=$work/run $B server stop >/dev/null 2>&1
  $T kill-server 2>/dev/null
done
