#!/bin/bash
# t_bench.sh - tests/bench/run --smoke still works end to end
#
# The benchmark script is not a test and stays out of `make check`; this
# runs its smallest mode (seconds) so that it cannot rot: it must build
# s3bench, start and stop its own cluster, pass every verified phase and
# write its tables.  The figures themselves are not checked.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

BENCH_SRC=$top_srcdir/../shared/bench/s3bench.c
OPS="put get head mixed/get mixed/put list delete"

plan 7
if [[ ! -f $BENCH_SRC ]]; then
	for (( i = 0; i < 7; i++ )); do
		skip "bench --smoke" "no $BENCH_SRC"
	done
	exit 0
fi
testdir_init
RES=$TESTDIR/results
check "run --smoke succeeds" env top_srcdir="$top_srcdir" \
    top_builddir="$top_builddir" "$top_srcdir/tests/bench/run" --smoke \
    --results "$RES"

# has_rows: summary.tsv has a row for every operation at both sizes.
has_rows() {
	local op size

	for size in 4KiB 64KiB; do
		for op in $OPS; do
			awk -F'\t' -v s="$size" -v o="$op" \
			    '$1 == "cairn" && $2 == s && $4 == o { f = 1 }
			     END { exit !f }' "$RES/summary.tsv" ||
			    { echo "no row $size $op"; return 1; }
		done
	done
}
check "summary.tsv has every operation at both sizes" has_rows
check "summary.md has the table" grep -q '^| 4KiB | 4 | put |' "$RES/summary.md"
check "daemons.tsv has gatewayd's peak RSS" \
    awk -F'\t' '$5 == "gatewayd" && $6 > 0 { f = 1 } END { exit !f }' \
    "$RES/daemons.tsv"
# The script stopped the cluster it started.
check "the cluster was stopped" grep -q 'cluster: stopped' "$RES/cluster.log"

# tests/bench/floor ran (--smoke runs it in its smallest size) and printed
# each of its eight steps with a CPU figure and a count.
check "floor.tsv has every step" awk -F'\t' \
    'NF == 3 && $2 ~ /^[0-9]+\.[0-9]+$/ && $3 > 0 { n++ } END { exit n != 8 }' \
    "$RES/floor.tsv"
check "summary.md has the floor" grep -q '^### The CPU floor' "$RES/summary.md"
