#!/bin/sh
# torture, VM a: the client. Swaps to /dev/netswap0 (pages in b's RAM) and
# lets programs written elsewhere judge the data, in two rounds: first on
# the plain link, then with netem on both VMs (lossy.sh: loss, reordering,
# duplication, delay). Each round runs
#   1. stress-ng --vm with --verify, more memory than its cgroup may use
#   2. memtesters while their pages are pushed out to swap all along
#   3. fio with crc32c verification straight on /dev/netswap0 (swap off)
# Each must succeed and report no error; steps 1 and 2 must really swap;
# netswap must count no error and the kernel log no I/O error.
#
# Knobs (NETSWAP_APPEND="nsw_key=value ..."), for tuning runs; the lossy
# round uses the same sizes unless its own knob (nsw_lossy_...) is set:
#   stress-ng: nsw_stress_n (2) workers sharing nsw_stress_mb (64) MiB in
#     a memory cgroup of nsw_stress_limit_mb (16), nsw_stress_s (600)
#     time bound;
#   memtester: nsw_memt_n (2) of nsw_memt_mb (8) MiB each,
#     nsw_memt_reclaim_kb (4096, lossy 512) pushed out to swap per second,
#     nsw_memt_reclaim_total_kb (16384) in all (0: no limit), stopping
#     once twice the pages required below were read back,
#     nsw_memt_loops (2, lossy 6),
#     nsw_memt_min_pages (1000, lossy 300) swapped out and in at least,
#     nsw_memt_mask (0x180ff);
#   fio: nsw_fio_mb (16) size unit of the jobs (nsw_lossy_fio_mb 8);
#   nsw_rounds ("clean lossy"), nsw_loss (5) netem loss %.
. /lib/netswap/guest-lib.sh
. /scenario/lossy.sh

B=$(vm_ip b)
DEV=/dev/netswap0
STRESS_N=${NSW_STRESS_N:-2}
STRESS_S=${NSW_STRESS_S:-600}
MEMT_MASK=${NSW_MEMT_MASK:-0x180ff}
ROUNDS=${NSW_ROUNDS:-clean lossy}

# knob ROUND NAME DEFAULT: NSW_LOSSY_NAME in the lossy round if set, else
# NSW_NAME, else DEFAULT.
knob() {
	_v=
	[ "$1" = lossy ] && eval "_v=\${NSW_LOSSY_$2:-}"
	[ -n "$_v" ] || eval "_v=\${NSW_$2:-$3}"
	echo "$_v"
}

# The hung-task detector reports a task blocked for 30 s; the host fails
# the run on its "INFO: task" lines (so this script does not print the
# name of the setting).
echo 30 >/proc/sys/kernel/hung_task_timeout_secs
assert_eq "$(cat /proc/sys/kernel/hung_task_timeout_secs)" 30 "hung-task timeout"

# What the monitor logs besides the IP stack's counters.
dev_state() {
	if [ -e /sys/block/netswap0/inflight ]; then
		echo "netswap0 inflight(r w) $(cat /sys/block/netswap0/inflight)" \
			"$("$CTL" show 2>/dev/null | grep '^peer' | cut -d' ' -f2-)"
	fi
	awk '$1 == "pswpin" || $1 == "pswpout" { printf "%s %s ", $1, $2 }' /proc/vmstat
	awk '$1 == "MemFree:" { printf "MemFree %d KiB", $2 }' /proc/meminfo
}
NET_MONITOR_MORE=dev_state
net_monitor_start

msg_expect ready 300

vmstat() {
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}

# link_check STEP: log what the link cost; netswap must have failed no
# request and the kernel must have logged no I/O error on the device.
link_check() {
	"$CTL" -j show >/tmp/link.json || fail "netswapctl show failed"
	_r=$(nsw_peer_get "$B" retransmitted_requests /tmp/link.json)
	_e=$(nsw_peer_get "$B" failed_requests /tmp/link.json)
	log "after $1: retransmitted_requests $_r failed_requests $_e" \
		"tx_store_pages $(nsw_peer_get "$B" tx_store_pages /tmp/link.json)" \
		"tx_load_pages $(nsw_peer_get "$B" tx_load_pages /tmp/link.json)" \
		"tx_free_pages $(nsw_peer_get "$B" tx_free_pages /tmp/link.json)" \
		"placed_pages $(nsw_peer_get "$B" placed_pages /tmp/link.json)" \
		"cwnd_pages $(nsw_peer_get "$B" cwnd_pages /tmp/link.json)"
	assert_eq "$_e" 0 "failed_requests to b after $1"
	if dmesg | grep -E "I/O error, dev netswap|(Read|Write)-error on swap" >/tmp/ioerr.txt; then
		head -n 5 /tmp/ioerr.txt
		fail "kernel logged I/O errors on $DEV after $1"
	fi
	RETRANS=$_r
}

# swap_mark / swap_delta STEP MIN_OUT MIN_IN: since swap_mark, pswpout
# grew by more than MIN_OUT pages and pswpin by more than MIN_IN.
swap_mark() {
	IN0=$(vmstat pswpin) OUT0=$(vmstat pswpout) T0=$(uptime_s)
}
swap_delta() {
	_in=$(($(vmstat pswpin) - IN0))
	_out=$(($(vmstat pswpout) - OUT0))
	log "$1: $(($(uptime_s) - T0)) s, pswpin +$_in pswpout +$_out pages"
	assert_gt "$_out" "$2" "pages swapped out during $1"
	assert_gt "$_in" "$3" "pages swapped in during $1"
}

# Swapping over the network needs headroom below the min watermark for
# the NIC's receive buffers (Documentation/netswap/admin-guide.rst).
run sysctl -w vm.min_free_kbytes=16384
run modprobe netswap size_mb=1024
run "$CTL" add-peer "$B"
nsw_show
link_check setup

# ---- 1. stress-ng --------------------------------------------------------
# STRESS_N workers over more memory than their memory cgroup may use
# (--vm-bytes is shared out among them; several workers keep several
# page-ins in flight). Each worker's share is twice what the cgroup may
# hold: stress-ng starts its workers one after another, and one may be
# done before the next begins, so only a share larger than the cgroup
# makes every worker swap whatever their overlap (with four workers of
# 16 MiB in 32 MiB, one lossy run swapped out 3,300 pages, others
# 18,800-27,700). move-inv fills its buffer with random words, then
# checks and inverts every word, then checks the inverted words: with the
# buffers larger than the memory they may use, every check reads pages
# that were swapped out and back in. --timeout alone is no good here: a
# pass takes minutes (TCG, lossy link), and workers still in their first
# pass when it strikes are killed while stress-ng reports success with 0
# bogo ops, nothing checked. So --vm-ops asks for one checked pass of
# every worker (move-inv counts one bogo op per 4096 words checked),
# --timeout only bounds the run, and the reported bogo ops must be all.
step_stress() {
	_mb=$(knob "$1" STRESS_MB 64)
	_limit=$(knob "$1" STRESS_LIMIT_MB 16)
	_ops=$((_mb * 1024 * 1024 / 8 / 4096))
	swap_mark
	memcg stress "$_limit"
	log "+ stress-ng --vm $STRESS_N --vm-bytes ${_mb}M --vm-method move-inv --vm-ops $_ops --verify --timeout ${STRESS_S}s --metrics-brief"
	in_memcg stress stress-ng --vm "$STRESS_N" --vm-bytes "${_mb}M" --vm-method move-inv \
		--vm-ops "$_ops" --verify --timeout "${STRESS_S}s" --metrics-brief >/tmp/stress.out 2>&1
	_rc=$?
	cat /tmp/stress.out
	[ $_rc -eq 0 ] || fail "stress-ng exited with $_rc"
	grep -q "successful run completed" /tmp/stress.out ||
		fail "stress-ng did not report a successful run"
	if grep -i -E "fail|error|warn" /tmp/stress.out; then
		fail "stress-ng reported failures, errors or warnings"
	fi
	_done=$(awk '$2 == "metrc:" && $4 == "vm" { print $5 }' /tmp/stress.out)
	assert_eq "$_done" "$_ops" "stress-ng bogo ops (every worker's checked pass done)"
	log "check ok: stress-ng exit 0, a checked pass over ${_mb} MiB in ${_limit} MiB, no failure"
	link_check "$1 stress-ng"
	# Minutes of 5 % loss kept the STORE window below its first 32 pages.
	if [ "$1" = lossy ]; then
		_w=$(nsw_peer_get "$B" cwnd_pages /tmp/link.json)
		[ -n "$_w" ] && [ "$_w" -lt 32 ] ||
			fail "cwnd_pages to b after lossy stress-ng: expected < 32, got '$_w'"
		log "check ok: cwnd_pages to b after lossy stress-ng = $_w (< 32)"
	fi
	# each worker's fill alone swaps half its share out, and its checks
	# read that half back
	swap_delta "$1 stress-ng" $((_mb * 256 / 4)) $((_mb * 256 / 8))
}

# ---- 2. memtester --------------------------------------------------------
# memtester scans its whole buffer again and again (Stuck Address alone 32
# times), faulting one page at a time: with a buffer larger than the
# memory it may use every scan would swap all of it, and a run take hours
# here (TCG, lossy link); just under that the kernel keeps most of it
# resident, and where the cliff lies depends on the kernel's LRU. So
# MEMT_N memtesters (several page-ins in flight) run in a memory cgroup
# from which a reclaimer pushes MEMT_RECLAIM_KB out to swap every second
# (memory.reclaim): their coldest pages, which their next scan reads back
# in and checks. Only the tests that make one pass (MEMT_MASK: the eight
# compare tests, 8- and 16-bit writes) run besides Stuck Address.
# memtester mlock()s its buffer when it may (root); as nobody with
# RLIMIT_MEMLOCK 0 mlock fails with EPERM and it goes on unlocked, i.e.
# swappable.
step_memtester() {
	_n=$(knob "$1" MEMT_N 2)
	_mb=$(knob "$1" MEMT_MB 8)
	_kb=$(knob "$1" MEMT_RECLAIM_KB "$([ "$1" = lossy ] && echo 512 || echo 4096)")
	_total=$(knob "$1" MEMT_RECLAIM_TOTAL_KB 16384)
	# Two loops: 6.1 finishes one in ~6 s, before it has read back much
	# of what the reclaimer pushed out meanwhile. Six on the lossy link,
	# where the reclaimer works longer (below).
	_loops=$(knob "$1" MEMT_LOOPS "$([ "$1" = lossy ] && echo 6 || echo 2)")
	_min=$(knob "$1" MEMT_MIN_PAGES "$([ "$1" = lossy ] && echo 300 || echo 1000)")
	memcg memtester max
	[ -e /sys/fs/cgroup/memtester/memory.reclaim ] || fail "no memory.reclaim in cgroup2"
	grep -q '^nobody:' /etc/passwd ||
		echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
	swap_mark
	log "+ $_n x MEMTESTER_TEST_MASK=$MEMT_MASK memtester ${_mb}M $_loops, as nobody, $_kb KiB/s reclaimed (at most $_total KiB, 0: no limit)"
	_pids=
	for _i in $(seq "$_n"); do
		in_memcg memtester sh -c 'ulimit -l 0 &&
			exec su -s /bin/sh nobody -c "MEMTESTER_TEST_MASK=$1 exec memtester $2 $3"' \
			sh "$MEMT_MASK" "${_mb}M" "$_loops" >/tmp/memtester.$_i.out 2>&1 &
		_pids="$_pids $!"
	done
	# memory.reclaim fails (EAGAIN) when it found less to reclaim:
	# harmless. A page it pushes out is read back (pswpin) only if its
	# write ended and a later reclaim freed it before memtester touched
	# it again, else memtester takes it from the swap cache: how many
	# come back from the peer is timing, and on the lossy link writes
	# end late (the congestion window at its floor). So the reclaimer
	# pushes until twice the pages required were read back, not for a
	# fixed time, or until _total KiB (0: no limit) went out: a
	# memtester pass reads back all that went out since the last, so a
	# steady push slows the passes, which lets yet more be pushed out.
	(_left=$_total _until=$((IN0 + 2 * _min))
	while [ "$_total" = 0 ] || [ "$_left" -gt 0 ]; do
		[ "$(vmstat pswpin)" -lt "$_until" ] || break
		echo "${_kb}K" >/sys/fs/cgroup/memtester/memory.reclaim 2>/dev/null
		_left=$((_left - _kb))
		sleep 1
	done) &
	_reclaimer=$!
	_i=0 _bad=
	for _p in $_pids; do
		_i=$((_i + 1))
		wait "$_p"
		_rc=$?
		_o=/tmp/memtester.$_i.out
		log "memtester $_i exited with $_rc:"
		# Drop the progress spinners memtester draws with backspaces.
		tr -d '\010' <$_o |
			sed -e 's/\(setting\|testing\) *[0-9]*//g' -e 's/[-\\|/]\{4,\}//g' -e 's/  */ /g'
		if [ $_rc -ne 0 ]; then
			_bad="$_bad $_i:exit-$_rc"
		elif ! grep -q "^Done" $_o; then
			_bad="$_bad $_i:not-done"
		elif ! grep -q "using testmask $MEMT_MASK" $_o; then
			_bad="$_bad $_i:mask-not-used"
		elif ! grep -q "Continuing with unlocked memory" $_o; then
			_bad="$_bad $_i:locked"
		elif ! grep -q "got  ${_mb}MB" $_o; then
			_bad="$_bad $_i:less-memory"
		elif grep -i "fail" $_o; then
			_bad="$_bad $_i:failure"
		fi
	done
	kill $_reclaimer 2>/dev/null
	[ -z "$_bad" ] || fail "memtester:$_bad"
	log "check ok: $_n memtesters exit 0, no failure, ${_mb} MB each, unlocked"
	log "memtester cgroup: $(grep -E '^(pgmajfault|workingset_refault_anon) ' /sys/fs/cgroup/memtester/memory.stat | tr '\n' ' ')"
	link_check "$1 memtester"
	swap_delta "$1 memtester" "$_min" "$_min"
}

# ---- 3. fio on the block device ------------------------------------------
FIO="fio --eta=never --output-format=terse"

# fio's verification must be able to fail here: a region it wrote and
# verified, with one page overwritten behind its back, must not verify.
fio_selfcheck() {
	_chk="--name=selfcheck --filename=$DEV --direct=1 --ioengine=psync --rw=write --bs=4k --offset=900m --size=1m --verify=crc32c"
	log "+ $FIO $_chk --do_verify=1"
	# shellcheck disable=SC2086
	$FIO $_chk --do_verify=1 >/tmp/fio.chk 2>&1 || {
		cat /tmp/fio.chk
		fail "fio self-check write + verify failed"
	}
	run dd if=/dev/urandom of=$DEV bs=4k count=1 seek=$((900 * 256 + 16)) oflag=direct
	# shellcheck disable=SC2086
	if $FIO $_chk --verify_only >/tmp/fio.chk 2>&1; then
		cat /tmp/fio.chk
		fail "fio verified a region with a page overwritten behind its back"
	fi
	# "bad magic header" (fio's block header overwritten too) or "verify
	# failed" (crc mismatch), at the page overwritten.
	grep -E "(verify failed|bad magic header).* offset $((900 * 1048576 + 16 * 4096))," /tmp/fio.chk >/tmp/fio.err || {
		cat /tmp/fio.chk
		fail "fio failed for another reason than the overwritten page"
	}
	log "check ok: fio detects the overwritten page: $(head -n 1 /tmp/fio.err)"
}

# Four kinds of jobs, two of each on their own 64 MiB ranges (offset +
# offset_increment): every job writes its range, then reads it back and
# checks the crc32c fio put in each block.
step_fio() {
	_f=$(knob "$1" FIO_MB "$([ "$1" = lossy ] && echo 8 || echo 16)")
	cat >/tmp/torture.fio <<EOF
[global]
filename=$DEV
direct=1
ioengine=psync
thread
numjobs=2
offset_increment=64m
verify=crc32c
do_verify=1
verify_fatal=1

[rand-4k]
rw=randwrite
bs=4k
offset=0
size=$((_f / 4))m

[seq-64k]
rw=write
bs=64k
offset=128m
size=${_f}m

[rand-1m]
rw=randwrite
bs=1m
offset=256m
size=$((_f * 2))m

[rand-4k-256k]
rw=randwrite
bsrange=4k-256k
offset=384m
size=${_f}m
EOF
	cat /tmp/torture.fio
	_t0=$(uptime_s)
	log "+ $FIO /tmp/torture.fio"
	$FIO /tmp/torture.fio >/tmp/fio.out 2>&1
	_rc=$?
	grep -v '^3;' /tmp/fio.out
	log "fio: $(($(uptime_s) - _t0)) s, rc $_rc"
	# terse v3: 3 jobname, 5 error, 6 read KiB, 7 read KiB/s, 47 write KiB,
	# 48 write KiB/s
	awk -F';' '$1 == "3" { printf "fio job %-14s error %s  wrote %s KiB (%s KiB/s)  verified %s KiB (%s KiB/s)\n", $3, $5, $47, $48, $6, $7 }' /tmp/fio.out
	[ $_rc -eq 0 ] || fail "fio exited with $_rc"
	if grep -i -E "verify|bad magic|crc|err=" /tmp/fio.out | grep -v '^3;'; then
		fail "fio reported verification errors"
	fi
	_jobs=$(awk -F';' '$1 == "3"' /tmp/fio.out | wc -l)
	assert_eq "$_jobs" 8 "fio jobs reported"
	_bad=$(awk -F';' '$1 == "3" && ($5 != 0 || $47 == 0 || $6 != $47) { print $3 }' /tmp/fio.out)
	[ -z "$_bad" ] || fail "fio jobs with an error or not all written data verified: $_bad"
	log "check ok: fio: 8 jobs, every byte written was read back and verified"
	link_check "$1 fio"
}

# ---- the rounds ------------------------------------------------------------
R0=0
for round in $ROUNDS; do
	case $round in
	clean) ;;
	lossy)
		msg_send "$B" "lossy"
		msg_expect "lossy on" 120
		lossy_on
		;;
	*) fail "unknown round $round" ;;
	esac
	log "==== round $round"
	run mkswap $DEV
	run swapon $DEV
	log "$(mem_summary)"
	step_stress $round
	step_memtester $round
	run swapoff $DEV
	link_check "$round swapoff"
	[ $R0 = 0 ] && fio_selfcheck
	step_fio $round
	log "==== round $round: retransmitted_requests $((RETRANS - R0))"
	eval "RETRANS_$round=$((RETRANS - R0))"
	R0=$RETRANS
done

# ---- the end ---------------------------------------------------------------
log "retransmitted_requests: clean round ${RETRANS_clean:-none}, lossy round ${RETRANS_lossy:-none}"
net_monitor_stop
if [ -n "${RETRANS_lossy:-}" ]; then
	assert_gt "$RETRANS_lossy" 0 "retransmitted_requests in the lossy round"
	lossy_check
	lossy_off
fi
nsw_show
run rmmod netswap
[ ! -e /sys/module/netswap ] || fail "netswap still loaded after rmmod"
msg_send "$B" "unloaded"
msg_expect OK 300
log "torture a: all checks passed"
