#!/usr/bin/env bash
# Profiles one Rust benchmark under callgrind and prints its top functions.
#
#   scripts/profile.sh TASK [SIZE]      # or: make profile TASK=csv_import SIZE=50000
#
# TASK is csv_import, persist, reopen or rollup; SIZE is the number of
# generated contributions (default 50,000: callgrind runs ~50x slower than
# native). Callgrind counts instructions, not time, so the numbers are the
# same on a busy machine as on an idle one: compare them before and after a
# change. Only the task's own work is counted (--toggle-collect), not the
# data generation around it. Needs valgrind (apt-get install valgrind).
#
# The raw profile stays in target/callgrind.TASK.out for
# `callgrind_annotate --tree=caller` or kcachegrind.
set -euo pipefail

task=${1:-}
size=${2:-50000}
case "$task" in
  csv_import)
    bench=csv_import
    # The reader's worker threads run Worker::read (kept out of line): it
    # matches the first pattern.
    collect=('partnercrm::io::csv::contributions::*' 'partnercrm::model::Dataset::validate*') ;;
  persist)
    bench=persist
    collect=('partnercrm::store::engine::write_record*' 'partnercrm::store::context::check*') ;;
  reopen)
    bench=persist
    collect=('partnercrm::store::sqlite::SqliteBackend::open_at_version*' 'partnercrm::store::engine::Store::dataset_of*' 'partnercrm::query::rollup::rollup*') ;;
  rollup)
    bench=rollup
    collect=('partnercrm::query::rollup::rollup*') ;;
  *)
    echo "usage: $0 csv_import|persist|reopen|rollup [SIZE]" >&2
    exit 2 ;;
esac
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

cd "$(dirname "$0")/.."
# The bench binary, built with the bench profile (line tables on, see Cargo.toml).
binary=$(cargo bench -p partnercrm --bench "$bench" --no-run --locked --message-format=json 2>/dev/null \
  | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["executable"])')
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
out="$target_dir/callgrind.$task.out"

toggles=()
for function in "${collect[@]}"; do toggles+=("--toggle-collect=$function"); done
echo "profiling $task ($bench, $size contributions) under callgrind; counting only: ${collect[*]}" >&2
valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no "${toggles[@]}" \
  "$binary" "$size" >&2

# One line per function: callgrind splits a function by the source file of
# each inlined piece, so self counts are added up and inclusive counts take
# the largest piece (the function's own entry).
top() {
  local mode=$1
  callgrind_annotate --auto=no --inclusive="$mode" "$out" 2>/dev/null \
    | awk 'seen_header; /file:function/ { seen_header = 1 }' \
    | grep -E '^ *[0-9,]+ ' \
    | sed -E 's/ \[[^]]*\]$//; s/^ *([0-9,]+) \( *[0-9.]+%\) +(\?\?\?|[^ ]*\.(rs|c|h|S)):/\1\t/; s/^ *([0-9,]+) \( *[0-9.]+%\) +/\1\t/' \
    | awk -F'\t' -v mode="$mode" -v total="$total" '
        { n = $1; gsub(",", "", n); n += 0; f = $2
          if (mode == "yes") { if (n > v[f] + 0) v[f] = n } else { v[f] += n } }
        END { for (f in v) printf "%15.0f %6.2f%%  %s\n", v[f], 100 * v[f] / total, f }' \
    | sort -rn
}
total=$(callgrind_annotate --auto=no "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo
echo "== $task, $size contributions: $total instructions counted; top functions by inclusive instructions =="
top yes | grep -v -E 'lang_start|__rust_begin_short_backtrace|libc_start|\(below main\)|  main$|0x[0-9a-f]+$|::main$' | head -30
echo
echo "== $task, $size contributions: top functions by exclusive (self) instructions =="
top no | head -25
