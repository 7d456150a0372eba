#!/bin/bash
# Counts the instructions of a one-thread index build under callgrind: a measure of the
# build's work that the shared machine's noise does not move (CPU time of the same build
# moves by 5-10 % from run to run; this count by about 0.2 %).
#
# Usage: Benchmarks/build-instructions.sh [REPORTS] [DSEARCH...]
#   REPORTS   how many reports gen_corpus.py makes (default 1000; a corpus of that size is
#             kept in .build-bench/ for the next run)
#   DSEARCH   binaries to compare (default: this checkout, built in release mode)
# Installs valgrind with apt-get when it is missing. Prints each binary's instruction count
# and, for several, each one's ratio to the first.
set -euo pipefail
cd "$(dirname "$0")/.."
reports=${1:-1000}
shift || true

if ! command -v valgrind >/dev/null; then
  apt-get install -y valgrind >/dev/null || { echo "valgrind is missing and apt-get could not install it" >&2; exit 1; }
fi
corpus=.build-bench/corpus-$reports
if [ ! -d "$corpus" ]; then
  python3 ../shared/tools/gen_corpus.py --out "$corpus" --count "$reports" --seed bench --quiet
fi
binaries=("$@")
if [ ${#binaries[@]} -eq 0 ]; then
  swift build -c release --product dsearch >/dev/null
  binaries=("$(swift build -c release --show-bin-path)/dsearch")
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
first=""
for binary in "${binaries[@]}"; do
  # valgrind cannot read the debug sections Swift writes: it counts a copy without them.
  strip --strip-debug -o "$work/dsearch" "$binary"
  rm -rf "$work/index"
  count=$(valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
    "$work/dsearch" index --corpus "$corpus" --index "$work/index" --threads 1 2>&1 >/dev/null |
    sed -n 's/.*refs: *\([0-9,]*\).*/\1/p' | tr -d ,)
  [ -n "$count" ] || { echo "$binary: callgrind gave no count" >&2; exit 1; }
  first=${first:-$count}
  awk -v count="$count" -v first="$first" -v binary="$binary" 'BEGIN { printf "%.0f instructions  %.4f×  %s\n", count, count / first, binary }'
done
