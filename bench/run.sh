#!/bin/bash
# bench/run.sh - netswap's benchmark (make bench): boots the bench scenario
# (bench/scenario/) on each kernel, collects its figures and writes the
# report with plots (bench/report.py).
#
#   bench/run.sh [--quick] [--out DIR] [KNAME...]     (default: 6.1 6.12)
#
# Without --quick: full sizes, and the report goes to bench/ in the source
# tree (REPORT.md, the plots, results-KNAME.tsv), to be committed.
# --quick: small sizes (a few minutes a kernel), the report to
# $NETSWAP_WORK/bench-quick (or --out DIR) and every figure must have been
# measured (report.py --check); the test suite runs this.
# Each kernel's figures come from one run of one VM pair: QEMU software
# emulation, so only the ratios between figures of one run mean anything.
# Without --quick each kernel is measured on two links: the test bed's
# switch at a 1500-byte MTU (results-KNAME.tsv), and a point-to-point link
# with 9000-byte jumbo frames (results-KNAME-mtu9000.tsv), where netswap
# sends a page as one datagram rather than three.
#
# Each kernel then has a replicas run on the switch (results-KNAME-replicas.tsv):
# the same a.sh and b.sh with a second store, c (bench/replicas/), measure
# netswap with replicas=1 and replicas=2 taking turns. It is a run of its
# own so that the runs above stay the two-VM runs of bench/history.
#
# Environment: NETSWAP_BENCH_APPEND adds nsw_bench_* knobs (see
# bench/scenario/a.sh); NETSWAP_BENCH_LINKS the links, as LINK:MTU words
# (default "vde:1500 stream:9000", with --quick "vde:1500");
# NETSWAP_BENCH_REPLICAS=0 leaves out the replicas run; and the knobs of
# tests/vm/run-scenario.sh.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=tests/vm/common.sh
source "$ROOT/tests/vm/common.sh"
{
QUICK=0 OUT=
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick) QUICK=1; shift ;;
	--out) OUT=$2; shift 2 ;;
	-*) echo "usage: $0 [--quick] [--out DIR] [KNAME...]" >&2; exit 2 ;;
	*) break ;;
	esac
done
KERNELS=("$@")
[[ ${#KERNELS[@]} -gt 0 ]] || KERNELS=(6.1 6.12)
if [[ $QUICK == 1 ]]; then
	OUT=${OUT:-$NETSWAP_WORK/bench-quick}
	KNOBS="nsw_bench_mb=32 nsw_bench_samples=1000 nsw_bench_rtts=1000"
	KNOBS+=" nsw_bench_iperf_s=3 nsw_bench_touch_mb=32 nsw_bench_touches=8192"
	KNOBS+=" nsw_bench_sort_n=1048576 nsw_bench_sort_ops=1 nsw_bench_rounds=1"
	LINKS=${NETSWAP_BENCH_LINKS:-vde:1500}
	# Two rounds, the second in reverse: in one round replicas=1 would
	# always go first, and alone bear whatever a run's start costs.
	REPLICAS_KNOBS="nsw_bench_rounds=2"
else
	OUT=${OUT:-$ROOT/bench}
	KNOBS=
	LINKS=${NETSWAP_BENCH_LINKS:-vde:1500 stream:9000}
	REPLICAS_KNOBS=
fi
# The replicas run measures netswap alone, on two stores.
REPLICAS_KNOBS+=" nsw_bench_stores=b,c nsw_bench_backends=netswap,netswap2"
REPLICAS_KNOBS+=" nsw_bench_workloads=none"
mkdir -p "$OUT"
nsw_ensure_pkgs "${NSW_HOST_PKGS[@]}" python3-matplotlib

qemu=$(qemu-system-x86_64 --version | head -n1 | sed 's/^QEMU emulator version //')
# write_tsv TSV RESULTS_DIR VMS LINK MTU [KEY VALUE]...: a run's figures,
# after a header that names the run.
write_tsv() {
	local tsv=$1 res=$2 vms=$3 link=$4 mtu=$5
	shift 5
	{
		echo "# netswap bench, $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
		printf 'date\t%s\nqemu\t%s -cpu %s\nvm.b_mem_mb\t%s\nlink\t%s mtu %s\n' \
			"$(date -u +%F)" "$qemu" "$(cat "$res/qemu-cpu")" \
			"$(awk '$1 == "b" { print $2 }' "$vms")" "$link" "$mtu"
		while [[ $# -gt 0 ]]; do
			printf '%s\t%s\n' "$1" "$2"
			shift 2
		done
		grep -a '^NSWBENCH ' "$res/a.console" |
			tr -d '\r' | sed 's/^NSWBENCH \([^ ]*\) /\1\t/'
	} >"$tsv"
}
tsvs=() rc=0
for k in "${KERNELS[@]}"; do
	for lm in $LINKS; do
	link=${lm%%:*} mtu=${lm#*:}
	echo "==== bench on $k, link $link, MTU $mtu$([[ $QUICK == 1 ]] && echo " (quick)")"
	if ! NETSWAP_LINK=$link NETSWAP_MTU=$mtu \
		NETSWAP_APPEND="${NETSWAP_APPEND:-} $KNOBS ${NETSWAP_BENCH_APPEND:-}" \
		"$ROOT/tests/vm/run-scenario.sh" "$k" "$ROOT/bench/scenario"; then
		echo "bench on $k ($link, MTU $mtu) failed"
		rc=1
		continue
	fi
	tsv="$OUT/results-$k.tsv"
	[[ $mtu == 1500 ]] || tsv="$OUT/results-$k-mtu$mtu.tsv"
	write_tsv "$tsv" "$NETSWAP_WORK/results/$k-bench" \
		"$ROOT/bench/scenario/vms" "$link" "$mtu"
	tsvs+=("$tsv")
	done

	[[ ${NETSWAP_BENCH_REPLICAS:-1} == 0 ]] && continue
	echo "==== bench on $k, replicas 1 and 2 over two stores$([[ $QUICK == 1 ]] && echo " (quick)")"
	# The scenario: bench/scenario's a and b beside bench/replicas' c,
	# in a directory of this kernel's own (kernels may run side by side).
	scen="$NETSWAP_WORK/bench-replicas.$k/bench-replicas"
	rm -rf "$scen"
	mkdir -p "$scen"
	cp "$ROOT/bench/scenario/a.sh" "$ROOT/bench/scenario/b.sh" \
		"$ROOT/bench/replicas/vms" "$ROOT/bench/replicas/c.sh" "$scen/"
	if ! NETSWAP_LINK=vde NETSWAP_MTU=1500 \
		NETSWAP_APPEND="${NETSWAP_APPEND:-} $KNOBS $REPLICAS_KNOBS ${NETSWAP_BENCH_APPEND:-}" \
		"$ROOT/tests/vm/run-scenario.sh" "$k" "$scen"; then
		echo "bench on $k (replicas) failed"
		rc=1
		continue
	fi
	tsv="$OUT/results-$k-replicas.tsv"
	write_tsv "$tsv" "$NETSWAP_WORK/results/$k-bench-replicas" \
		"$ROOT/bench/replicas/vms" vde 1500 bench replicas stores "b c"
	tsvs+=("$tsv")
done
[[ ${#tsvs[@]} -gt 0 ]] || exit 1
check=()
[[ $QUICK == 1 ]] && check=(--check)
notes=()
[[ -f "$ROOT/bench/NOTES.md" ]] && notes=(--notes "$ROOT/bench/NOTES.md")
/usr/bin/python3 "$ROOT/bench/report.py" "${check[@]}" "${notes[@]}" "$OUT" "${tsvs[@]}" || rc=1
echo "==== report: $OUT/REPORT.md"
exit $rc
}
