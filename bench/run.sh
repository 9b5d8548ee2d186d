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
# Environment: NETSWAP_BENCH_APPEND adds nsw_bench_* knobs (see
# bench/scenario/a.sh); NETSWAP_BENCH_LINKS the links, as LINK:MTU words
# (default "vde:1500 stream:9000", with --quick "vde:1500"); and the knobs
# of tests/vm/run-scenario.sh.

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
else
	OUT=${OUT:-$ROOT/bench}
	KNOBS=
	LINKS=${NETSWAP_BENCH_LINKS:-vde:1500 stream:9000}
fi
mkdir -p "$OUT"
nsw_ensure_pkgs "${NSW_HOST_PKGS[@]}" python3-matplotlib

qemu=$(qemu-system-x86_64 --version | head -n1 | sed 's/^QEMU emulator version //')
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
	{
		echo "# netswap bench, $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
		printf 'date\t%s\nqemu\t%s -cpu %s\nvm.b_mem_mb\t%s\nlink\t%s mtu %s\n' \
			"$(date -u +%F)" "$qemu" \
			"$(cat "$NETSWAP_WORK/results/$k-bench/qemu-cpu")" \
			"$(awk '$1 == "b" { print $2 }' "$ROOT/bench/scenario/vms")" \
			"$link" "$mtu"
		grep -a '^NSWBENCH ' "$NETSWAP_WORK/results/$k-bench/a.console" |
			tr -d '\r' | sed 's/^NSWBENCH \([^ ]*\) /\1\t/'
	} >"$tsv"
	tsvs+=("$tsv")
	done
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
