#!/usr/bin/env bash
# Measures the recorder on a private tmux server:
#   scripts/bench-rec.sh [MIB]      (default 256: the size of the file `cat` prints)
#   TVMUX_BIN=PATH scripts/bench-rec.sh …   (another build, e.g. the previous one)
# - `tvmux rec start` / `rec stop` wall times with a running server (best of 5);
# - pane-switch latency: from `select-pane` to the new pane's frame in the cast;
# - throughput: `cat` of MIB MiB in a pane, with and without recording (tmux's
#   own pace is the baseline), and the server's CPU seconds per GiB recorded;
# - the window view (`--view window`) against the pane view: the `cat` again,
#   CPU seconds per GiB of tvmux's server and of tmux's (which draws for one
#   more client), and output latency: from `send-keys` to the text in the cast,
#   both with flush_interval_ms = 0 (median / worst of 10).
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-256}
[ -n "${TVMUX_BIN:-}" ] || cargo build --release --quiet --bin tvmux
T=${TVMUX_BIN:-$PWD/target/release/tvmux}
work=$(mktemp -d)
name=tvmux-bench-$$
export TVMUX_RUNTIME_DIR=$work/run TVMUX_OUTPUT_DIRECTORY=$work/casts TVMUX_CONFIG_FILE=$work/none
tmux -L "$name" -f /dev/null new-session -d -s bench -x 120 -y 40 -- env PS1='$ ' bash --norc --noprofile
trap '$T server stop >/dev/null 2>&1 || true; tmux -L "$name" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
sock=$(tmux -L "$name" display -p -t bench '#{socket_path}')
pane=$(tmux -L "$name" display -p -t bench '#{pane_id}')
export TMUX="$sock,1,0" TMUX_PANE=$pane
now() { date +%s%N; }
ms() { echo "scale=1; ($2 - $1) / 1000000" | bc; }
$T server start >/dev/null

best_start="" best_stop=""
for _ in 1 2 3 4 5; do
  t0=$(now); $T rec start >/dev/null; t1=$(now); $T rec stop >/dev/null; t2=$(now)
  s=$(ms "$t0" "$t1"); p=$(ms "$t1" "$t2")
  if [ -z "$best_start" ] || (( $(echo "$s < $best_start" | bc) )); then best_start=$s; fi
  if [ -z "$best_stop" ] || (( $(echo "$p < $best_stop" | bc) )); then best_stop=$p; fi
done

# Switch latency: poll the cast for one more frame after each select-pane.
out=$($T rec start); cast=${out##* }
other=$(tmux -L "$name" split-window -d -P -F '#{pane_id}' -t "$pane")
frames() { grep -c '"\\u0018\\u001b\[0m\\u001b\[?1049l\\u001b\[r' "$cast" || true; }
sleep 0.3
lat=()
for i in $(seq 10); do
  target=$([ $((i % 2)) -eq 1 ] && echo "$other" || echo "$pane")
  before=$(frames); t0=$(now)
  tmux -L "$name" select-pane -t "$target"
  while [ "$(frames)" -le "$before" ]; do :; done
  t1=$(now); lat+=("$(ms "$t0" "$t1")")
done
$T rec stop >/dev/null
tmux -L "$name" kill-pane -t "$other"
sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
median=$(echo "$sorted" | sed -n 5p); worst=$(echo "$sorted" | tail -1)

# Throughput: cat a file in the pane, without and with recording.
big=$work/big.txt
head -c $((mib << 20)) /dev/urandom | base64 -w 120 >"$big.tmp"; head -c $((mib << 20)) "$big.tmp" >"$big"; rm "$big.tmp"
# run_cat [PANE]: ms for `cat` of the file in PANE (default: the recorded one).
run_cat() {
  local target=${1:-$pane} marker=done-$RANDOM
  local t0; t0=$(now)
  tmux -L "$name" send-keys -t "$target" "clear; cat $big; echo; echo $marker" Enter
  until tmux -L "$name" capture-pane -p -t "$target" | grep -q "^$marker"; do sleep 0.05; done
  ms "$t0" "$(now)"
}
plain=$(run_cat)
# What any control-mode client costs tmux: a bare one that discards its input.
sleep 99999.$$ | tmux -L "$name" -C attach-session -f ignore-size -t bench >/dev/null &
bare_pid=$!
sleep 0.5
bare=$(run_cat)
kill $bare_pid 2>/dev/null || true; pkill -f "sleep 99999.$$" || true
sleep 0.3
out=$($T rec start); cast=${out##* }
pid=$(cat "$TVMUX_RUNTIME_DIR/server.pid")
tmux_pid=$(tmux -L "$name" display -p '#{pid}')
cpu() { awk '{print $14 + $15}' "/proc/${1:-$pid}/stat"; }
c0=$(cpu); t0=$(cpu "$tmux_pid")
recorded=$(run_cat)
sleep 0.3
c1=$(cpu); t1=$(cpu "$tmux_pid")
$T rec stop >/dev/null
# The same with the window view.
out=$($T rec start --view window); cast=${out##* }
sleep 0.3
w0=$(cpu); wt0=$(cpu "$tmux_pid")
windowed=$(run_cat)
sleep 0.3
w1=$(cpu); wt1=$(cpu "$tmux_pid")
$T rec stop >/dev/null
# An unrecorded window of a recorded session: its panes' output is switched
# off for the recorder's client, so it should cost (almost) nothing.
win2=$(tmux -L "$name" new-window -d -P -F '#{pane_id}' -t bench -- env PS1='$ ' bash --norc --noprofile)
sleep 0.3
unrec_plain=$(run_cat "$win2")
$T rec start >/dev/null
sleep 0.3
unrec=$(run_cat "$win2")
$T rec stop >/dev/null
hz=$(getconf CLK_TCK)
per_gib() { echo "scale=2; ($2 - $1) / $hz * 1024 / $mib" | bc; }
cpu_per_gib=$(per_gib "$c0" "$c1")

# Output latency, each event written at once: a marker printed in the pane,
# polled for in the cast.
$T server stop >/dev/null
TVMUX_RECORDING_FLUSH_INTERVAL_MS=0 $T server start >/dev/null
latency() {
  local out cast lat=() sorted
  out=$($T rec start --view "$1"); cast=${out##* }
  sleep 0.3
  for i in $(seq 10); do
    t0=$(now)
    tmux -L "$name" send-keys -t "$pane" "printf 'L%sT\\n' $i$$" Enter
    until grep -q "L$i$$""T" "$cast"; do :; done
    lat+=("$(ms "$t0" "$(now)")")
    sleep 0.1
  done
  $T rec stop >/dev/null
  sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
  echo "$(echo "$sorted" | sed -n 5p) / $(echo "$sorted" | tail -1)"
}
tmux -L "$name" send-keys -t "$pane" clear Enter
pane_latency=$(latency pane)
window_latency=$(latency window)
echo "| rec start | rec stop | switch latency (median / worst of 10) | cat ${mib} MiB: tmux alone | with a bare control client | recorded by tvmux | recorded vs bare client | server CPU per GiB | unrecorded window of a recorded session vs no recording |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| %s ms | %s ms | %s / %s ms | %.1f s | %.1f s | %.1f s | %sx | %s s | %.1f s vs %.1f s = %sx |\n' "$best_start" "$best_stop" "$median" "$worst" \
  "$(echo "$plain / 1000" | bc -l)" "$(echo "$bare / 1000" | bc -l)" "$(echo "$recorded / 1000" | bc -l)" \
  "$(echo "scale=2; $recorded / $bare" | bc)" "$cpu_per_gib" \
  "$(echo "$unrec / 1000" | bc -l)" "$(echo "$unrec_plain / 1000" | bc -l)" "$(echo "scale=2; $unrec / $unrec_plain" | bc)"
echo
echo "| view | cat ${mib} MiB | tvmux CPU per GiB | tmux CPU per GiB | output latency (median / worst of 10) |"
echo "|---|---|---|---|---|"
printf '| pane | %.1f s | %s s | %s s | %s ms |\n' "$(echo "$recorded / 1000" | bc -l)" "$cpu_per_gib" "$(per_gib "$t0" "$t1")" "$pane_latency"
printf '| window | %.1f s | %s s | %s s | %s ms |\n' "$(echo "$windowed / 1000" | bc -l)" "$(per_gib "$w0" "$w1")" "$(per_gib "$wt0" "$wt1")" "$window_latency"
