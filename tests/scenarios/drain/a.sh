#!/bin/sh
# drain, VM a: the client. stress-ng --vm --verify swaps to b and c for
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
# rand-set: each round writes all 48 MiB, then verifies it; SIGINT ends
# the run at the end of a round (64 MiB took over 90 s a round on 6.1;
# the "all" methods take minutes a round, swapping).
in_memcg work stress-ng --vm 1 --vm-bytes 48M --vm-method rand-set --verify \
	--timeout 500s --metrics-brief >/tmp/sn.log 2>&1 &
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
poll_until 120 "b holds 2000 pages of ours again" holds "$B" 2000
c0=$(copied) || exit 1
r=$(ask "$B" job 180) || exit 1
set -- $r
what="(2) b's job of $1 MiB: $4 s, b held $2 -> $3 pages, $5 shrinker asks, copied_pages $c0 -> $(copied)"
if [ "$6" = 0 ]; then
	log "check ok: $what, no OOM kill"
else
	bad "$what, $6 OOM kills on b"
fi
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
t0=$(uptime_s)
kill -INT "$SN"
poll_until 180 "the workload ends on SIGINT" stopped
log "the workload ended $(($(uptime_s) - t0)) s after SIGINT"
wait "$SN"
rc=$?
cat /tmp/sn.log
[ $rc = 0 ] || fail "stress-ng --verify failed (rc $rc)"
grep -q "successful run completed" /tmp/sn.log || fail "stress-ng: no successful run"
! grep -q "fail\|error" /tmp/sn.log || fail "stress-ng: $(grep -m1 "fail\|error" /tmp/sn.log)"
log "check ok: stress-ng --vm --verify: 0 errors"
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
