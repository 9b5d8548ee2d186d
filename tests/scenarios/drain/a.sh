#!/bin/sh
# drain, VM a: the client. memtouch (write, verify) swaps to b and c for
# the whole run while the stores ask for their pages back; it must end
# with every word right, and not one I/O error or OOM kill here.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
C=$(vm_ip c)
DEV=/dev/netswap0
# The bound for a store over its lend quota to get below it (the admin
# guide's): a keepalive interval for the ask, then the excess moved at
# the copier's pace: 17 to 27 MiB went in 12 to 29 s here on 6.1.
DRAIN_QUOTA_S=60
# Bound for the copier to give every page its second copy (replicas=2).
REREP_S=120

copied() {
	nsw_num nsw_get device.copied_pages
}

# holds IP PAGES: the store at IP holds at least PAGES pages of ours.
holds() {
	[ "$(nsw_num nsw_peer_get "$1" placed_pages)" -ge "$2" ]
}

state_is() {
	[ "$(nsw_peer_get "$1" state)" = "$2" ]
}

undegraded() {
	[ "$(nsw_num nsw_get device.degraded_pages)" = 0 ]
}

# bad WHAT: a failed check that lets the phases after it run; the role
# fails at the end with every reason.
bad() {
	log "check FAILED: $*"
	echo "$*" >>/tmp/bad
}

# running WHAT: the workload is still going.
running() {
	kill -0 "$SN" 2>/dev/null ||
		fail "$1: the workload ended early: $(tail -n 3 /tmp/sn.log | tr '\n' ' ')"
	log "check ok: $1: the workload is still running"
}

# ask IP MSG TIMEOUT: have a store do MSG, print what it reports.
ask() {
	msg_send "$1" "$2" >&2
	msg_expect "done ${2%% *}" "$3"
}

for _ in 1 2; do
	m=$(msg_expect ready 300) || exit 1
	log "store $m ready"
done
t_start=$(uptime_s)

run sysctl -w vm.min_free_kbytes=16384
run modprobe netswap size_mb=256 keepalive_ms=500 peer_timeout_ms=5000 replicas=1
run "$CTL" add-peer "$B"
run "$CTL" add-peer "$C"
run mkswap $DEV
run swapon $DEV
memcg work 24
# The workload: memtouch writes 48 MiB and verifies every word, run
# after run until /tmp/stop exists; the loop ends at the first error.
# (stress-ng --vm --verify did not stop on SIGINT within 120 s here, its
# child swapping at full speed, with either method tried.)
cat >/tmp/workload.sh <<'LOOP'
s=1
while [ ! -e /tmp/stop ]; do
	MEMTOUCH_RANDOM_MB=16 memtouch 48 1 $s || exit 1
	s=$((s + 1))
done
echo "$((s - 1)) runs of memtouch 48 MiB: every word verified"
LOOP
in_memcg work sh /tmp/workload.sh >/tmp/sn.log 2>&1 &
SN=$!

# ---- (1) b's lend quota lowered to a tenth of what it holds ----------------
log "==== (1) quota"
poll_until 180 "b holds 2000 pages of ours" holds "$B" 2000
c0=$(copied) || exit 1
r=$(ask "$B" "quota $DRAIN_QUOTA_S" 120) || exit 1
set -- $r
c1=$(copied) || exit 1
log "check ok: (1) b held $1 pages, quota $2, below it in $3 s; copied_pages $c0 -> $c1"
assert_gt "$c1" "$c0" "(1) copied_pages: pages moved off b"
running "(1) quota"

# ---- (2) b's own job of 70% of its RAM -------------------------------------
log "==== (2) lender's job"
# b's job must need the memory b lends: c lends nearly nothing for a
# while, so that its pages and the new ones go to b.
ask "$C" "lend 1" 60 >/dev/null || exit 1
poll_until 120 "b holds 4000 pages of ours" holds "$B" 4000
ask "$C" "lend 128" 60 >/dev/null || exit 1
c0=$(copied) || exit 1
r=$(ask "$B" job 180) || exit 1
set -- $r
what="(2) b's job of $1 MiB: $4 s, b held $2 -> $7 (all of the job) -> $3 pages, $5 asks, copied_pages $c0 -> $(copied)"
if [ "$6" = 0 ]; then
	log "check ok: $what, no OOM kill"
else
	bad "$what, $6 OOM kills on b"
fi
# The pages made room for the job: b asked (new "memory is short" or
# shrinker lines), and held a tenth at most with all of it running.
[ "$5" -ge 1 ] || bad "(2) b never asked for pages back during its job"
[ "$7" -le $(($2 / 10)) ] || bad "(2) b still held $7 of $2 pages with all of its job running"
[ "$8" = 0 ] || bad "(2) $8 parts of b's job were killed or found their data changed"
running "(2) lender's job"

# ---- (3) replicas=1: b drains, every page moves to c ------------------------
log "==== (3) drain b, replicas=1"
poll_until 120 "b holds 1000 pages of ours again" holds "$B" 1000
c0=$(copied) || exit 1
r=$(ask "$B" drain 120) || exit 1
set -- $r
c1=$(copied) || exit 1
log "check ok: (3) b drained $1 pages in $2 s; copied_pages $c0 -> $c1"
assert_eq "$(nsw_peer_get "$B" placed_pages)" 0 "(3) pages of ours on b after its drain"
assert_gt "$c1" "$c0" "(3) copied_pages: pages moved off b"
running "(3) drain b"

# ---- (4) replicas=2: b back, c drains, its copies are dropped --------------
log "==== (4) drain c, replicas=2"
ask "$B" load 60 >/dev/null || exit 1
poll_until 60 "b up again" state_is "$B" up
echo 2 >/sys/module/netswap/parameters/replicas || fail "cannot set replicas=2"
t0=$(uptime_s)
# The copier counts the degraded pages at its next tick, a second on.
sleep 3
log "degraded_pages $(nsw_get device.degraded_pages) with replicas=2"
poll_until $REREP_S "every page has two copies (degraded_pages 0)" undegraded
log "check ok: (4) second copies made in $(($(uptime_s) - t0)) s, copied_pages $(copied)"
d0=$(nsw_num nsw_get device.dropped_pages) || exit 1
r=$(ask "$C" drain 120) || exit 1
set -- $r
d1=$(nsw_num nsw_get device.dropped_pages) || exit 1
log "check ok: (4) c drained $1 pages in $2 s; dropped_pages $d0 -> $d1"
assert_gt "$d1" "$d0" "(4) dropped_pages: copies with nowhere to go dropped"
running "(4) drain c"

# ---- end ----------------------------------------------------------------------
# stopped: the workload exited (a zombie until waited for).
stopped() {
	[ ! -e /proc/$SN/stat ] || [ "$(cut -d' ' -f3 /proc/$SN/stat)" = Z ]
}
swapped() {
	awk '$1 == "pswpin" || $1 == "pswpout" { printf "%s %s ", $1, $2 }' /proc/vmstat
}
# workload_stuck: what the workload's processes wait on, and the blocked
# tasks (sysrq w), on the console.
workload_stuck() {
	log "$(swapped)"
	for _c in /proc/[0-9]*/comm; do
		grep -q memtouch "$_c" 2>/dev/null || continue
		_d=${_c%/comm}
		log "${_d#/proc/}: state $(cut -d' ' -f3 "$_d/stat") wchan $(cat "$_d/wchan")"
		cat "$_d/stack"
	done
	echo w >/proc/sysrq-trigger
}
t0=$(uptime_s)
touch /tmp/stop
_i=0
while ! stopped; do
	_i=$((_i + 1))
	if [ $_i -ge 150 ]; then
		workload_stuck
		fail "the workload still runs 150 s after it was told to stop"
	fi
	sleep 1
done
log "the workload ended $(($(uptime_s) - t0)) s after it was told to stop"
wait "$SN"
rc=$?
cat /tmp/sn.log | tail -n 4
[ $rc = 0 ] || fail "memtouch found an error (rc $rc): $(tail -n 2 /tmp/sn.log | tr '\n' ' ')"
log "check ok: memtouch: every word verified, $(tail -n 1 /tmp/sn.log)"
n=$(dmesg | grep -c "I/O error, dev netswap0")
assert_eq "$n" 0 "I/O errors on netswap0"
if dmesg | grep -q "oom-kill\|Out of memory"; then
	fail "OOM kill on a: $(dmesg | grep -m1 "oom-kill\|Out of memory")"
fi
nsw_show
run swapoff $DEV
run rmmod netswap
msg_send "$B" finish
msg_send "$C" finish
log "drain: phases took $(($(uptime_s) - t_start)) s"
if [ -s /tmp/bad ]; then
	fail "$(awk '{ printf "%s%s", (NR > 1 ? "; " : ""), $0 }' /tmp/bad)"
fi
log "drain a: all checks passed"
