#!/bin/sh
# bench, VM a: measures, one after the other in this one VM,
#   1. the network's limit to b: 4 KiB UDP round trips (udpping) and TCP
#      bandwidth both ways (iperf3);
#   2. each workload with all its memory local (no swap at all), and its
#      working set (memory.peak of that run);
#   3. for each swap backend, netswap, NBD and the local virtio disk, alone
#      as the only swap: pagein (swap-out / swap-in pages per second, CPU
#      per page, single-fault latency), then each workload again in a
#      memory cgroup of half its working set.
# Every figure is printed as "NSWBENCH KEY VALUE" (bench/report.py reads
# them); every program checks the data it reads back and a wrong word
# fails the run.
#
# Knobs (NETSWAP_APPEND nsw_bench_*): MB (64) pagein's area, SAMPLES (2000)
# single faults timed, RTTS (2000) UDP round trips, IPERF_S (5),
# TOUCH_MB (64) and TOUCHES (16384) randtouch, SORT_N (2097152) and
# SORT_OPS (1) stress-ng --qsort, BACKENDS ("netswap,nbd,disk"), ROUNDS (3)
# pagein runs per backend: the emulated machines' speed drifts, so each
# backend's pagein runs ROUNDS times, the backends taking turns (in reverse
# every other round), and the report gives the median and the range; the
# workloads run in round 1 only.
# bench/run.sh's replicas run (bench/replicas/vms) sets STORES ("b") to the
# VMs netswap places pages on, WORKLOADS ("randtouch,stressng"; "none")
# and BACKENDS to netswap (replicas=1, as always measured) and netswap2
# (replicas=2, each page on two stores).
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
MB=${NSW_BENCH_MB:-64}
SAMPLES=${NSW_BENCH_SAMPLES:-2000}
RTTS=${NSW_BENCH_RTTS:-2000}
IPERF_S=${NSW_BENCH_IPERF_S:-5}
TOUCH_MB=${NSW_BENCH_TOUCH_MB:-64}
TOUCHES=${NSW_BENCH_TOUCHES:-16384}
SORT_N=${NSW_BENCH_SORT_N:-2097152}
SORT_OPS=${NSW_BENCH_SORT_OPS:-1}
BACKENDS=$(echo "${NSW_BENCH_BACKENDS:-netswap,nbd,disk}" | tr , ' ')
ROUNDS=${NSW_BENCH_ROUNDS:-3}
STORES=$(echo "${NSW_BENCH_STORES:-b}" | tr , ' ')

# out KEY VALUE...: one result line, on the console for the host and in
# /tmp/bench.tsv for the summary at the end.
out() {
	_k=$1
	shift
	echo "NSWBENCH $_k $*"
	echo "$_k	$*" >>/tmp/bench.tsv
}
# prefixed PREFIX CMD...: CMD's "KEY VALUE" lines as PREFIX.KEY results;
# fails the role if CMD fails.
prefixed() {
	_p=$1
	shift
	log "+ $*"
	"$@" >/tmp/prefixed.out 2>/tmp/prefixed.err ||
		fail "$* failed (rc $?): $(tail -n 3 /tmp/prefixed.err)"
	while read -r _k _v; do
		out "$_p.$_k" "$_v"
	done </tmp/prefixed.out
}
# Centiseconds since boot.
now_cs() {
	tr -d . </proc/uptime | cut -d' ' -f1
}
secs() {
	echo "$1" | awk '{ printf "%.2f", $1 / 100 }'
}

WORKLOADS=$(echo "${NSW_BENCH_WORKLOADS:-randtouch,stressng}" | tr , ' ')
[ "$WORKLOADS" = none ] && WORKLOADS=
workload_desc() {
	case $1 in
	randtouch) echo "randtouch: $TOUCHES touches of random pages of $TOUCH_MB MiB" ;;
	stressng) echo "stress-ng --qsort: glibc qsort of $SORT_N 32-bit integers, $SORT_OPS times" ;;
	esac
}
workload_cmd() {
	case $1 in
	randtouch) echo "randtouch $TOUCH_MB $TOUCHES" ;;
	stressng) echo "stress-ng --qsort 1 --qsort-size $SORT_N --qsort-ops $SORT_OPS --qsort-method qsort-libc" ;;
	esac
}
# timed NAME LIMIT_BYTES|max CMD...: CMD in a fresh memory cgroup NAME;
# sets ELAPSED_CS and PEAK_BYTES (memory.peak), fails the role if CMD does.
timed() {
	_name=$1 _cg=/sys/fs/cgroup/$1 _lim=$2
	shift 2
	[ -d "$_cg" ] && rmdir "$_cg"
	mkdir "$_cg" || fail "cannot create cgroup $_cg"
	echo "$_lim" >"$_cg/memory.max"
	log "+ [$_name memory.max $_lim] $*"
	_t0=$(now_cs)
	in_memcg "$_name" "$@" >/tmp/timed.out 2>&1 ||
		fail "$* failed (rc $?) in cgroup $_name: $(tail -n 3 /tmp/timed.out)"
	ELAPSED_CS=$(($(now_cs) - _t0))
	PEAK_BYTES=$(cat "$_cg/memory.peak")
}
# blkstat DEV: read requests, read sectors, write requests, write sectors.
blkstat() {
	awk '{ print $1, $3, $5, $7 }' "/sys/block/${1#/dev/}/stat"
}
# req_pages BEFORE AFTER FIELD: pages per request between two blkstats.
req_pages() {
	echo "$1 $2" | awk -v f="$3" '{
		r = $(f + 4) - $f; s = $(f + 5) - $(f + 1)
		printf "%.2f", r ? s / 8 / r : 0 }'
}
vmstat_field() {
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}

# ---- setup ---------------------------------------------------------------
memcg bench max
run sysctl -w vm.min_free_kbytes=16384
out kernel "$(uname -r)"
out vm.a_mem_mb "$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)"
wait_for_ping "$B" 60
for s in $STORES; do
	msg_expect ready 600
done

# ---- 1. the network ------------------------------------------------------
prefixed limit udpping client "$B" 9100 4096 "$RTTS"
for dir in tx rx; do
	flag=
	[ $dir = rx ] && flag=-R
	log "+ iperf3 -c $B -t $IPERF_S $flag"
	iperf3 -c "$B" -p 5201 -t "$IPERF_S" $flag -J >/tmp/iperf3.json ||
		fail "iperf3 $flag failed: $(tail -n 5 /tmp/iperf3.json)"
	out "limit.iperf3_Bps.$dir" "$(jq '.end.sum_received.bits_per_second / 8 | floor' /tmp/iperf3.json)"
done

# ---- 2. the workloads, all local -------------------------------------------
[ -z "$(awk 'NR > 1' /proc/swaps)" ] || fail "a swap device is on before the all-local runs"
for w in $WORKLOADS; do
	out "workload.$w.desc" "$(workload_desc "$w")"
	# shellcheck disable=SC2046 # the command's words
	timed "local-$w" max $(workload_cmd "$w")
	out "workload.$w.local100_s" "$(secs $ELAPSED_CS)"
	out "workload.$w.wss_mb" "$((PEAK_BYTES / 1048576))"
	eval "WSS_$w=$PEAK_BYTES"
done

# ---- 3. each backend -------------------------------------------------------
swap_on() {
	case $1 in
	netswap | netswap2)
		# The module's default is 2 copies a page: "netswap" keeps
		# measuring one, as before replicas existed.
		_r=1
		[ "$1" = netswap2 ] && _r=2
		run modprobe netswap size_mb=256 replicas=$_r
		for _s in $STORES; do
			run "$CTL" add-peer "$(vm_ip "$_s")"
		done
		DEV=/dev/netswap0
		;;
	nbd)
		run modprobe nbd
		run nbd-client "$B" 10809 /dev/nbd0 -N swap -b 4096
		DEV=/dev/nbd0
		;;
	disk)
		run modprobe virtio_blk
		DEV=/dev/vda
		;;
	esac
	run mkswap "$DEV"
	run swapon "$DEV"
}
swap_off() {
	run swapoff "$DEV"
	case $1 in
	netswap | netswap2)
		"$CTL" -j show >/tmp/show.json
		_rx=0
		for _s in $STORES; do
			_ip=$(vm_ip "$_s")
			_rx=$((_rx + $(nsw_peer_get "$_ip" retransmitted_requests /tmp/show.json)))
			assert_eq "$(nsw_peer_get "$_ip" failed_requests /tmp/show.json)" 0 "failed_requests to $_s"
		done
		out "$1.retransmits" "$_rx"
		# Answers to no request in flight: late copies after a
		# retransmission, and chunks beyond the one completing a page.
		out "$1.stale_answers" "$(nsw_get rx_dropped.stale /tmp/show.json)"
		# The metrics keep their first names, as in bench/history.
		out "$1.readahead_loads" "$(nsw_get device.readahead_loaded_pages /tmp/show.json)"
		out "$1.readahead_hits" "$(nsw_get device.readahead_hit_pages /tmp/show.json)"
		out "$1.readahead_unused" "$(nsw_get device.readahead_unused_pages /tmp/show.json)"
		# pagein reads its area back in order: that is read ahead.
		assert_gt "$(nsw_get device.readahead_hit_pages /tmp/show.json)" 0 "pages read ahead and used"
		# Every store was up: no page may lack a copy.
		[ "$1" = netswap ] ||
			assert_eq "$(nsw_get device.degraded_pages /tmp/show.json)" 0 "degraded_pages"
		run rmmod netswap
		;;
	nbd) run nbd-client -d /dev/nbd0 ;;
	esac
}

half=0
for r in $(seq 1 "$ROUNDS"); do
	# Every other round in reverse, so that no backend always goes first.
	order=$BACKENDS
	[ $((r % 2)) = 0 ] && order=$(echo "$BACKENDS" | tr ' ' '\n' | tac | xargs)
	for be in $order; do
		log "==== backend $be, round $r of $ROUNDS"
		swap_on "$be"
		IN0=$(vmstat_field pswpin) OUT0=$(vmstat_field pswpout)
		S0=$(blkstat "$DEV")
		prefixed "$be" in_memcg bench pagein "$MB" "$SAMPLES"
		# How much each request carried: backends that keep more in
		# flight per request need fewer round trips.
		S1=$(blkstat "$DEV")
		out "$be.write_req_pages" "$(req_pages "$S0" "$S1" 3)"
		out "$be.read_req_pages" "$(req_pages "$S0" "$S1" 1)"
		for w in $WORKLOADS; do
			[ "$r" = 1 ] || break
			eval "half=\$((WSS_$w / 2))"
			# shellcheck disable=SC2046 # the command's words
			timed "$be-$w" "$half" $(workload_cmd "$w")
			out "workload.$w.${be}50_s" "$(secs $ELAPSED_CS)"
		done
		log "$be: pswpin +$(($(vmstat_field pswpin) - IN0)) pswpout +$(($(vmstat_field pswpout) - OUT0))"
		assert_gt $(($(vmstat_field pswpin) - IN0)) $((MB * 256)) "pages swapped in from $be"
		swap_off "$be"
	done
done

# ---- 4. a store drains ------------------------------------------------------
# The replicas run's drain rate (issue 22): with replicas=1, HOLD_MB of a
# tmpfs file swapped out over the stores, the last store runs netswapctl
# drain (c.sh), which moves its pages to the others; its MiB over the
# drain's seconds is set next to iperf3.
drain_rate() {
	_st=$(echo "$STORES" | awk '{ print $NF }')
	memcg hold 16
	mkdir -p /mnt/hold
	run mount -t tmpfs -o size=$((HOLD_MB + 16))m tmpfs /mnt/hold
	swap_on netswap
	in_memcg hold sh -c "dd if=/dev/urandom bs=1M count=$HOLD_MB 2>/dev/null |
		tee /mnt/hold/f | md5sum" >/tmp/hold.sum ||
		fail "cannot write $HOLD_MB MiB to /mnt/hold"
	msg_send "$(vm_ip "$_st")" drain
	_d=$(msg_expect drained 900) || exit 1
	out netswap.drain_mib "$(msg_field mib "$_d")"
	out netswap.drain_s "$(msg_field s "$_d")"
	out netswap.drain_MiBps "$(msg_field mib "$_d" | awk -v s="$(msg_field s "$_d")" '{ printf "%.2f", (s > 0 ? $1 / s : 0) }')"
	# Every page must have come through the move.
	[ "$(md5sum </mnt/hold/f)" = "$(cat /tmp/hold.sum)" ] ||
		fail "the held file changed while its pages moved"
	run rm /mnt/hold/f
	run umount /mnt/hold
	run swapoff "$DEV"
	run rmmod netswap
}
HOLD_MB=${NSW_BENCH_HOLD_MB:-64}
[ "$(echo "$STORES" | wc -w)" -lt 2 ] || drain_rate

for s in $STORES; do
	msg_send "$(vm_ip "$s")" "done"
done
log "results:"
cat /tmp/bench.tsv
log "bench a: done"
