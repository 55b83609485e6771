#!/usr/bin/env bash
# Measures tvmux on large generated casts against baselines in the same run:
# `wc -l` and a naive single-threaded serde_json line-by-line check.
#
#   scripts/bench.sh [SIZES_MIB...]        (default: 1024 4096)
#
# Then a table per line shape at $SHAPES_MIB (default 512; 0 skips it): the
# generator's mixed output, an interactive shell (one-key echoes), a
# full-screen program and a flood (events of 4 KiB), each on one core and on
# all, against `wc -l`, the naive loop, asciinema 3.2 (`convert -f raw`, one
# run: it is slow; $ASCIINEMA3, else where `scripts/test.sh --tools-only`
# installs it) and, when $PREV names one, a previous build of tvmux.
# $SCALE_MIB (sizes) adds how the full check scales with the file's size.
# $HISTORY_MIB (default 512) measures grep/text: one core against two, the
# index, and asciinema 3.2's `convert -f txt`.
#
# Casts go to $BENCH_DIR (default: target/bench-data, about 3x the largest
# size on disk). Each timing is the best of $RUNS runs (default 3) with the file
# in the page cache; ratios are what to compare, since machines are shared.
# Peak memory is the largest RssAnon seen (mapped file pages excluded).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1024 4096}")
read -r -a sizes <<<"${sizes[*]}"
RUNS=${RUNS:-3}
dir=${BENCH_DIR:-target/bench-data}
mkdir -p "$dir"
cargo build --release --quiet --bin tvmux --example gencast --example naive_check
tvmux=target/release/tvmux
# asciinema 3.2, once, where the tests keep it (unless $ASCIINEMA3 names one).
[ -n "${ASCIINEMA3:-}" ] || scripts/test.sh --tools-only >/dev/null
command -v bc >/dev/null || { echo "bench.sh needs bc (apt-get install bc)" >&2; exit 2; }

# best_time CMD... : prints the best wall time in seconds over $RUNS runs.
best_time() {
  local best=""
  for _ in $(seq "$RUNS"); do
    local t0 t1 t
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  printf '%.4f' "$best"
}

# peak_anon CMD... : runs once, prints the peak RssAnon in MiB.
peak_anon() {
  "$@" >/dev/null 2>&1 &
  local pid=$! peak=0 kb
  while kill -0 "$pid" 2>/dev/null; do
    kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ -n "$kb" ] && [ "$kb" -gt "$peak" ] && peak=$kb
    sleep 0.005
  done
  wait "$pid" || true
  echo $(( (peak + 1023) / 1024 ))
}

# fresh_cache FILE: writes back and (as root) drops the page cache, then reads
# FILE into it, so that write-heavy runs start from the same memory state
# (otherwise the kernel reclaiming cache dominates whichever runs first).
fresh_cache() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches; fi
  cat "$1" >/dev/null
}

gbps() { echo "scale=2; $1 / 1073741824 / $2" | bc -l; }
# mixed_cast MIB: the generator's mixed-output cast of MIB MiB (made once).
mixed_cast() {
  local f="$dir/clean-$1.cast"
  [ -f "$f" ] || target/release/examples/gencast "$1" "$f" v2 clean
  echo "$f"
}
# real_cast MIB: real terminal output of at least MIB MiB (made once): the
# real-world casts of ../shared that are valid, joined by `tvmux cat` (a
# resize where the terminal changes) as often as it takes. One is left out:
# asciinema-server's test_fixtures_big.cast, `base64 /dev/urandom`, which is
# not terminal work and whose random text no index compresses.
real_cast() {
  local f="$dir/real-$1.cast" casts=() all=()
  if [ ! -f "$f" ]; then
    for c in ../shared/realworld-casts/*.cast; do
      case "$c" in *test_fixtures_big.cast) continue ;; esac
      "$tvmux" validate -q "$c" >/dev/null 2>&1 && casts+=("$c")
    done
    local total
    total=$(cat "${casts[@]}" | wc -c)
    for _ in $(seq $(( ($1 << 20) / total + 1 ))); do all+=("${casts[@]}"); done
    "$tvmux" cat --gap 1 -o "$f" "${all[@]}" >/dev/null
    chmod u+w "$f"
  fi
  echo "$f"
}
# duration_of CAST: its length in seconds.
duration_of() {
  "$tvmux" info --format json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["duration"])'
}
ratio() { echo "scale=1; $1 / $2" | bc -l; }

torn_tail='[99999.0, "o", "torn at the e'
echo "| size | wc -l | naive serde_json | validate --full | full vs naive | full vs wc | quick validate | repair --quick (torn) | repair (torn) | repair (mid-file) | cp + sync | peak RssAnon (full / repair mid) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for mib in "${sizes[@]}"; do
  [ "$mib" -gt 0 ] || continue
  clean="$dir/clean-$mib.cast"
  torn="$dir/torn-$mib.cast"
  mid="$dir/mid-$mib.cast"
  [ -f "$clean" ] || target/release/examples/gencast "$mib" "$clean" v2 clean
  [ -f "$mid.orig" ] || target/release/examples/gencast "$mib" "$mid.orig" v2 mid
  bytes=$(stat -c %s "$clean")
  fresh_cache "$clean"
  wc=$(best_time wc -l "$clean")
  naive=$(best_time target/release/examples/naive_check "$clean")
  full=$(best_time "$tvmux" validate --full -q "$clean")
  quick=$(best_time "$tvmux" validate -q "$clean")
  # Torn-tail repairs: re-tear the tail before every run (cheap append).
  cp "$clean" "$torn"; fresh_cache "$torn"
  tear() { printf '%s' "$torn_tail" >>"$torn"; }
  rq_best="" rf_best=""
  for _ in $(seq "$RUNS"); do
    tear; t0=$(date +%s.%N); "$tvmux" repair --quick --no-side-file "$torn" >/dev/null; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l); if [ -z "$rq_best" ] || (( $(echo "$t < $rq_best" | bc -l) )); then rq_best=$t; fi
    tear; t0=$(date +%s.%N); "$tvmux" repair --no-side-file "$torn" >/dev/null; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l); if [ -z "$rf_best" ] || (( $(echo "$t < $rf_best" | bc -l) )); then rf_best=$t; fi
  done
  # Mid-file repair rewrites the file (and must fsync it): one run on a fresh
  # copy, against the floor of any rewrite, copying the file and syncing it.
  cp "$mid.orig" "$mid"; fresh_cache "$mid"
  t0=$(date +%s.%N); "$tvmux" repair --no-side-file "$mid" >/dev/null; t1=$(date +%s.%N)
  midt=$(echo "$t1 - $t0" | bc -l)
  fresh_cache "$mid.orig"
  t0=$(date +%s.%N); cp "$mid.orig" "$mid.copy"; sync; t1=$(date +%s.%N)
  copyt=$(echo "$t1 - $t0" | bc -l); rm -f "$mid.copy"
  cp "$mid.orig" "$mid"; cat "$mid" >/dev/null
  rss_full=$(peak_anon "$tvmux" validate --full -q "$clean")
  rss_mid=$(peak_anon "$tvmux" repair --no-side-file "$mid")
  printf '| %s MiB | %ss | %ss (%s GB/s) | %ss (%s GB/s) | %sx | %sx slower | %.1f ms | %.1f ms | %ss | %ss (%s GB/s) | %ss | %s / %s MiB |\n' \
    "$mib" "$wc" "$naive" "$(gbps "$bytes" "$naive")" "$full" "$(gbps "$bytes" "$full")" \
    "$(ratio "$naive" "$full")" "$(ratio "$full" "$wc")" "$(echo "$quick * 1000" | bc -l)" \
    "$(echo "$rq_best * 1000" | bc -l)" "$(printf '%.3f' "$rf_best")" "$(printf '%.3f' "$midt")" \
    "$(gbps "$bytes" "$midt")" "$(printf '%.3f' "$copyt")" "$rss_full" "$rss_mid"
done

# The editing commands on the mixed-output cast of $EDIT_MIB (default 1024; 0
# skips): output to /dev/null (the work itself) and to a file beside the input
# (with the disk's cost), against asciinema 3.2 converting the same file to v3
# and `cp` of it, each timed once here (the writes make repeats noisy).
EDIT_MIB=${EDIT_MIB:-1024}
if [ "$EDIT_MIB" -gt 0 ]; then
  a3=${ASCIINEMA3:-target/test-tools/asciinema3/bin/asciinema}
  f=$(mixed_cast "$EDIT_MIB")
  bytes=$(stat -c %s "$f")
  out="$dir/edit-out.cast"
  dur=$(duration_of "$f")
  t45=$(echo "$dur * 0.45" | bc -l) t55=$(echo "$dur * 0.55" | bc -l) t50=$(echo "$dur * 0.5" | bc -l)
  once() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); printf '%.3f' "$(echo "$t1 - $t0" | bc -l)"; }
  fresh_cache "$f"
  a3t=$(once "$a3" convert -f asciicast-v3 "$f" "$out"); rm -f "$out"
  cpt=$(once cp "$f" "$out"); rm -f "$out"
  echo
  echo "| edit ($EDIT_MIB MiB input) | to /dev/null | GB/s | to a file | vs asciinema 3.2 convert ($a3t s) | vs cp ($cpt s) | peak RssAnon |"
  echo "|---|---|---|---|---|---|---|"
  edit_row() {
    local name=$1; shift
    local null file rss
    null=$(best_time "$tvmux" "$@" -o /dev/null)
    file=$(once "$tvmux" "$@" -o "$out"); rm -f "$out"
    rss=$(peak_anon "$tvmux" "$@" -o /dev/null)
    printf '| %s | %ss | %s | %ss | %sx faster | %sx | %s MiB |\n' "$name" "$null" "$(gbps "$bytes" "$null")" \
      "$file" "$(ratio "$a3t" "$file")" "$(ratio "$file" "$cpt")" "$rss"
  }
  edit_row "convert --to v3" convert --to v3 "$f"
  edit_row "speed --factor 2 --idle-limit 1" speed --factor 2 --idle-limit 1 "$f"
  edit_row "cut the middle 10%" cut --from "$t45" --to "$t55" "$f"
  edit_row "cat (the cast twice: 2 GiB read)" cat "$f" "$f"
  edit_row "extract from the middle (emulator)" extract --from "$t50" --to "$t55" "$f"
  edit_row "convert --to txt (emulator)" convert --to txt "$f"
  edit_row "redact -F (no match)" redact -F "no such secret" "$f"
  # Searching: grep renders the text through the emulator, as text does.
  echo
  echo "| search ($EDIT_MIB MiB) | time | MB/s |"
  echo "|---|---|---|"
  for cmd in "text" "grep error\\[E0308\\]"; do
    # shellcheck disable=SC2086
    t=$(best_time "$tvmux" $cmd "$f")
    printf '| %s | %ss | %s |\n' "$cmd" "$t" "$(echo "scale=0; $bytes / 1000000 / $t" | bc -l)"
  done
fi

# History on a cast of $HISTORY_MIB (default 512; 0 skips): real terminal
# output where ../shared holds the real-world casts, else the generator's
# mixed output ($HISTORY_CAST=mixed asks for it): the emulator on one core
# and on all (the same output), against asciinema 3.2's `convert -f txt`
# and, when $PREV names one, a previous build; the index (built in a cache
# of its own under $BENCH_DIR): its build, its size (also of the other
# cast), and grep, text --at, cut and extract answered from it.
HISTORY_MIB=${HISTORY_MIB:-512}
HISTORY_CAST=${HISTORY_CAST:-real}
[ -d ../shared/realworld-casts ] || HISTORY_CAST=mixed
if [ "$HISTORY_MIB" -gt 0 ]; then
  a3=${ASCIINEMA3:-target/test-tools/asciinema3/bin/asciinema}
  if [ "$HISTORY_CAST" = real ]; then
    f=$(real_cast "$HISTORY_MIB"); kind="real output"
  else
    f=$(mixed_cast "$HISTORY_MIB"); kind="mixed output"
  fi
  bytes=$(stat -c %s "$f")
  XDG_CACHE_HOME="$(realpath "$dir")/cache"
  export XDG_CACHE_HOME
  rm -rf "$XDG_CACHE_HOME"
  dur=$(duration_of "$f")
  at() { echo "$dur * $1" | bc -l; }
  fresh_cache "$f"
  a3txt="n/a"
  if [ -x "$a3" ]; then
    a3txt=$(best_time "$a3" convert -f txt --overwrite "$f" "$dir/a3.txt"); rm -f "$dir/a3.txt"
  fi
  echo
  echo "| history ($HISTORY_MIB MiB, $kind) | -j1 | -j2 | -j2 vs -j1 | asciinema 3.2 | -j1 vs asciinema 3.2 | ${PREV:+previous build | }"
  echo "|---|---|---|---|---|---|${PREV:+---|}"
  hist_row() {
    local name=$1 a3t=$2; shift 2
    local one two prev=""
    one=$(best_time "$tvmux" "$@" -j1 --no-index)
    two=$(best_time "$tvmux" "$@" -j2 --no-index)
    if [ -n "${PREV:-}" ]; then prev="$(best_time "$PREV" "$@")s | "; fi
    local vs="n/a" a3s="n/a"
    if [ "$a3t" != "n/a" ]; then vs="$(ratio "$a3t" "$one")x faster"; a3s="${a3t}s"; fi
    printf '| %s | %ss | %ss | %sx faster | %s | %s | %s\n' "$name" "$one" "$two" "$(ratio "$one" "$two")" \
      "$a3s" "$vs" "$prev"
  }
  hist_row "convert --to txt (text)" "$a3txt" convert --to txt "$f" -o /dev/null
  hist_row "grep (no match; everything on screen)" "n/a" grep "no such line" "$f"
  # The index: built on one core and on two, then answering.
  t0=$(date +%s.%N); "$tvmux" index -j1 --again "$f" >/dev/null; t1=$(date +%s.%N)
  ix1=$(printf '%.3f' "$(echo "$t1 - $t0" | bc -l)")
  t0=$(date +%s.%N); "$tvmux" index -j2 --again "$f" >/dev/null; t1=$(date +%s.%N)
  ix2=$(printf '%.3f' "$(echo "$t1 - $t0" | bc -l)")
  isize=$(du -b "$XDG_CACHE_HOME"/tvmux/index/*.idx | awk '{print $1}')
  echo
  echo "| index ($HISTORY_MIB MiB) | built -j1 | built -j2 | -j2 vs -j1 | size | of the cast |"
  echo "|---|---|---|---|---|---|"
  printf '| %s | %ss | %ss | %sx faster | %s MiB | %s%% |\n' "$kind" "$ix1" "$ix2" "$(ratio "$ix1" "$ix2")" \
    "$(( isize >> 20 ))" "$(echo "scale=1; $isize * 100 / $bytes" | bc -l)"
  # The other cast's index, for its size (built -j2, in a cache of its own).
  if [ "$HISTORY_CAST" = real ]; then o=$(mixed_cast "$HISTORY_MIB"); okind="mixed output"
  elif [ -d ../shared/realworld-casts ]; then o=$(real_cast "$HISTORY_MIB"); okind="real output"
  else o=""; fi
  if [ -n "$o" ]; then
    t0=$(date +%s.%N); XDG_CACHE_HOME="$XDG_CACHE_HOME/other" "$tvmux" index -j2 "$o" >/dev/null; t1=$(date +%s.%N)
    osize=$(du -b "$XDG_CACHE_HOME"/other/tvmux/index/*.idx | awk '{print $1}')
    printf '| %s | | %ss | | %s MiB | %s%% |\n' "$okind" "$(printf '%.3f' "$(echo "$t1 - $t0" | bc -l)")" \
      "$(( osize >> 20 ))" "$(echo "scale=1; $osize * 100 / $(stat -c %s "$o")" | bc -l)"
  fi
  # A cast grown by its last tenth: indexed from where its index left off,
  # against from scratch (both -j2).
  g="$dir/grown.cast"
  lines=$(wc -l < "$f")
  head -n $(( lines * 9 / 10 )) "$f" > "$g"
  "$tvmux" index -j2 "$g" >/dev/null
  tail -n +$(( lines * 9 / 10 + 1 )) "$f" >> "$g"
  t0=$(date +%s.%N); "$tvmux" index -j2 "$g" >/dev/null; t1=$(date +%s.%N)
  taken=$(printf '%.3f' "$(echo "$t1 - $t0" | bc -l)")
  t0=$(date +%s.%N); "$tvmux" index -j2 --again "$g" >/dev/null; t1=$(date +%s.%N)
  anew=$(printf '%.3f' "$(echo "$t1 - $t0" | bc -l)")
  rm -f "$g"
  echo
  echo "| index of a cast grown by a tenth | taken up | from scratch (--again) | taken up vs scratch |"
  echo "|---|---|---|---|"
  printf '| %s | %ss | %ss | %sx faster |\n' "$kind" "$taken" "$anew" "$(ratio "$anew" "$taken")"
  echo
  echo "| answered ($HISTORY_MIB MiB) | from the index | playing (--no-index, -j2) | index vs playing | GB/s of cast from the index |"
  echo "|---|---|---|---|---|"
  answer_row() {
    local name=$1; shift
    local ix pl
    ix=$(best_time "$tvmux" "$@")
    pl=$(best_time "$tvmux" "$@" --no-index)
    printf '| %s | %ss | %ss | %sx faster | %s |\n' "$name" "$ix" "$pl" "$(ratio "$pl" "$ix")" "$(gbps "$bytes" "$ix")"
  }
  answer_row "grep (no match)" grep "no such line" "$f"
  answer_row "text" text "$f"
  for frac in 0.1 0.5 0.9; do
    answer_row "text --at $frac of the time" text --at "$(at $frac)" "$f"
  done
  answer_row "cut 45%-55%" cut --from "$(at 0.45)" --to "$(at 0.55)" "$f" -o /dev/null
  answer_row "cut 90%-95%" cut --from "$(at 0.9)" --to "$(at 0.95)" "$f" -o /dev/null
  answer_row "extract 90%-95%" extract --from "$(at 0.9)" --to "$(at 0.95)" "$f" -o /dev/null
  rm -rf "$XDG_CACHE_HOME"
  unset XDG_CACHE_HOME
fi

SHAPES_MIB=${SHAPES_MIB:-512}
if [ "$SHAPES_MIB" -gt 0 ]; then
  a3=${ASCIINEMA3:-target/test-tools/asciinema3/bin/asciinema}
  echo
  echo "| shape ($SHAPES_MIB MiB) | bytes/line | wc -l | naive serde_json | asciinema 3.2 | validate, 1 core | validate | vs wc -l | vs asciinema 3.2 | vs naive | ${PREV:+previous build | vs previous | }peak RssAnon |"
  echo "|---|---|---|---|---|---|---|---|---|---|${PREV:+---|---|}---|"
  for shape in clean shell screen flood; do
    f="$dir/shape-$shape-$SHAPES_MIB.cast"
    [ -f "$f" ] || target/release/examples/gencast "$SHAPES_MIB" "$f" v2 "$shape"
    bytes=$(stat -c %s "$f")
    per_line=$(( bytes / $(wc -l <"$f") ))
    fresh_cache "$f"
    wc=$(best_time wc -l "$f")
    full=$(best_time "$tvmux" validate -q "$f")
    one=$(RAYON_NUM_THREADS=1 best_time "$tvmux" validate -q "$f")
    naive=$(best_time target/release/examples/naive_check "$f")
    if [ -x "$a3" ]; then
      t0=$(date +%s.%N); "$a3" convert -f raw "$f" /dev/null >/dev/null 2>&1 || true; t1=$(date +%s.%N)
      a3t=$(printf '%.3f' "$(echo "$t1 - $t0" | bc -l)")
      vs_a3="$(ratio "$a3t" "$full")x faster"
    else
      a3t="n/a" vs_a3="n/a"
    fi
    prev=""
    if [ -n "${PREV:-}" ]; then
      pt=$(best_time "$PREV" validate -q "$f")
      prev="${pt}s | $(echo "scale=2; $pt / $full" | bc -l)x faster | "
    fi
    rss=$(peak_anon "$tvmux" validate -q "$f")
    name=$shape; [ "$shape" = clean ] && name="mixed output (gencast)"
    printf '| %s | %s | %ss | %ss | %ss | %ss (%s GB/s) | %ss (%s GB/s) | %sx slower | %s | %sx faster | %s%s MiB |\n' \
      "$name" "$per_line" "$wc" "$naive" "$a3t" "$one" "$(gbps "$bytes" "$one")" "$full" "$(gbps "$bytes" "$full")" \
      "$(ratio "$full" "$wc")" "$vs_a3" "$(ratio "$naive" "$full")" "$prev" "$rss"
  done
fi

# How the full check scales with the file's size ($SCALE_MIB, default none;
# e.g. "64 256 1024 4096"): the mixed output on one core and on all.
if [ -n "${SCALE_MIB:-}" ]; then
  echo
  echo "| size | wc -l | validate, 1 core | validate | vs wc -l |"
  echo "|---|---|---|---|---|"
  for mib in $SCALE_MIB; do
    f="$dir/clean-$mib.cast"
    [ -f "$f" ] || target/release/examples/gencast "$mib" "$f" v2 clean
    bytes=$(stat -c %s "$f")
    fresh_cache "$f"
    wc=$(best_time wc -l "$f")
    one=$(RAYON_NUM_THREADS=1 best_time "$tvmux" validate -q "$f")
    full=$(best_time "$tvmux" validate -q "$f")
    printf '| %s MiB | %ss | %ss (%s GB/s) | %ss (%s GB/s) | %sx slower |\n' "$mib" "$wc" \
      "$one" "$(gbps "$bytes" "$one")" "$full" "$(gbps "$bytes" "$full")" "$(ratio "$full" "$wc")"
  done
fi
