#!/bin/sh
# restart, VM a: the client. Its store b restarts while holding region A;
# later a itself restarts with its clock a day back.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
DEV=/dev/netswap0
# Regions of 4 MiB (1024 pages): A at 0, B at 16 MiB.
SEEK_B=16

# bad TEXT: a check failed. The checks after it still run (each says
# something of its own); the role fails at the end with every reason.
bad() {
	log "check FAILED: $*"
	echo "$*" >>/tmp/bad
}

# ok TEXT: a check passed.
ok() {
	log "check ok: $*"
}

# peer_up: a takes b for alive.
peer_up() {
	[ "$(nsw_peer_get "$B" state)" = up ]
}

# dd_err: the line of dd's stderr (/tmp/dd.err) that says what failed.
dd_err() {
	grep -m1 '^dd:' /tmp/dd.err || tail -1 /tmp/dd.err
}

# poll_for TIMEOUT_S CMD...: like poll_until, but only says whether CMD
# succeeded within TIMEOUT_S seconds.
poll_for() {
	_t=$1 _i=0
	shift
	while ! "$@"; do
		_i=$((_i + 1))
		[ "$_i" -ge "$_t" ] && return 1
		sleep 1
	done
}

# read_back WHAT SEEK_MB FILE: read 4 MiB at SEEK_MB with direct I/O, it
# must equal FILE.
read_back() {
	if ! dd if=$DEV of=/tmp/back bs=1M skip="$2" count=4 iflag=direct \
		2>/tmp/dd.err; then
		bad "reading $1 back failed: $(dd_err)"
	elif ! cmp /tmp/back "$3" >/tmp/cmp.out 2>&1; then
		bad "$1 read back differs from what was written: $(cat /tmp/cmp.out)"
	else
		ok "$1 read back identical"
	fi
}

restart_event() {
	event_seen /tmp/mon.json \
		".event == \"peer_restart\" and .address == \"$B\" and .port == 7878"
}
restart_line() {
	dmesg | grep -q "netswap: $B:7878 restarted: [0-9]* pages stored there are lost"
}

msg_expect ready 300

# ---- 1: the store restarts ------------------------------------------------
run modprobe netswap size_mb=64
run "$CTL" add-peer "$B"
events_start /tmp/mon.json
run dd if=/dev/urandom of=/tmp/A bs=1M count=4
run dd if=/dev/urandom of=/tmp/A2 bs=1M count=4
run dd if=/dev/urandom of=/tmp/B bs=1M count=4
t0=$(uptime_s)
run dd if=/tmp/A of=$DEV bs=1M oflag=direct
read_back "region A before the restart" 0 /tmp/A
# The same work takes this long with the clock right (part 2 compares);
# more than 15 s would itself hide a wait for io_timeout_ms there.
T_A_RUN=$(($(uptime_s) - t0))
T_A=$T_A_RUN
[ "$T_A" -le 15 ] || T_A=15
[ -s /tmp/bad ] && fail "before any restart: $(cat /tmp/bad)"
assert_eq "$(nsw_peer_get "$B" placed_pages)" 1024 "pages placed on b"

msg_send "$B" restart
msg_expect restarted 120
poll_until 60 "b is up again" peer_up

# A page of region A is gone with b's old incarnation: reading it must
# fail, not bring zeros or another page.
if dd if=$DEV of=/tmp/old bs=4096 count=1 iflag=direct 2>/tmp/dd.err; then
	if [ "$(tr -d '\0' </tmp/old | wc -c)" -eq 0 ]; then
		bad "a page of region A lost in b's restart read as zeros, not an I/O error"
	else
		bad "a page of region A lost in b's restart read without an error: $(od -An -tx1 -N8 /tmp/old)"
	fi
else
	ok "a page lost in b's restart fails to read: $(dd_err)"
fi

# One line and one event say so.
if poll_for 20 restart_line; then
	ok "dmesg: $(dmesg | grep "netswap: $B:7878 restarted:" | head -1)"
	n=$(dmesg | sed -n "s/.*netswap: $B:7878 restarted: \([0-9]*\) pages.*/\1/p" | head -1)
	[ "$n" = 1024 ] || bad "the restart line counts $n lost pages, not region A's 1024"
	[ "$(dmesg | grep -c "netswap: $B:7878 restarted:")" = 1 ] ||
		bad "more than one restart line for b: $(dmesg | grep "netswap: $B:7878 restarted:")"
else
	bad "no dmesg line 'netswap: $B:7878 restarted: N pages stored there are lost' within 20 s"
fi
if poll_for 10 restart_event; then
	ok "event: $(jq -c 'select(.event == "peer_restart")' /tmp/mon.json | head -1)"
else
	bad "no peer_restart event for $B:7878 within 10 s; monitor saw: $(tr '\n' ' ' </tmp/mon.json)"
fi

# b must hear from us again (a RESET starts a new session) before we
# place pages there; b says whether it did.
msg_send "$B" session
m=$(msg_recv 60) || exit 1
[ "$m" = ok ] || bad "$m"

# Region B takes new pages on b. Rewriting region A must place its pages
# anew, not overwrite by its old handles (which now name region B's).
if ! dd if=/tmp/B of=$DEV bs=1M seek=$SEEK_B oflag=direct 2>/tmp/dd.err; then
	bad "writing region B after b's restart failed: $(dd_err)"
fi
if ! dd if=/tmp/A2 of=$DEV bs=1M oflag=direct 2>/tmp/dd.err; then
	bad "rewriting region A after b's restart failed: $(dd_err)"
fi
read_back "region B (written after b's restart)" $SEEK_B /tmp/B
read_back "region A (rewritten after b's restart)" 0 /tmp/A2
n=$(nsw_peer_get "$B" checksum_error_pages)
if [ "$n" = 0 ]; then
	ok "checksum_error_pages with b = 0"
else
	bad "checksum_error_pages with b: expected 0 (no old handle ever reaches b's new incarnation), got '$n'"
	dmesg | grep "checksum mismatch" | head -3
fi
msg_send "$B" placed
m=$(msg_recv 60) || exit 1
[ "$m" = ok ] || bad "b: $m"
nsw_show

events_stop
run rmmod netswap
msg_send "$B" unloaded

# ---- 2: our clock goes back a day -------------------------------------------
# Whatever numbers a client takes from its clock, the store must take
# the requests of its new session as new.
before=$(date +%s)
run date -s "@$((before - 86400))"
run modprobe netswap size_mb=64
t0=$(uptime_s)
run "$CTL" add-peer "$B"
t1=$(uptime_s)
if dmesg | grep -q "netswap: $B:7878 does not answer yet"; then
	bad "b did not answer our RESET at add-peer ($((t1 - t0)) s): $(dmesg | grep "$B:7878 does not answer yet" | tail -1)"
else
	ok "b answered our RESET at add-peer in $((t1 - t0)) s"
fi
t0=$(uptime_s)
if ! dd if=/tmp/A of=$DEV bs=1M oflag=direct 2>/tmp/dd.err; then
	bad "writing 4 MiB with the clock a day back failed after $(($(uptime_s) - t0)) s: $(dd_err)"
else
	read_back "4 MiB written with the clock a day back" 0 /tmp/A
	t1=$(uptime_s)
	# A request the store took for stale would wait out io_timeout_ms
	# (30 s): more than half of it over the same work before is one.
	if [ $((t1 - t0)) -lt $((T_A + 15)) ]; then
		ok "4 MiB written and read back in $((t1 - t0)) s with the clock a day back (${T_A_RUN} s before)"
	else
		bad "writing and reading 4 MiB with the clock a day back took $((t1 - t0)) s, ${T_A_RUN} s before (limit $((T_A + 15)), io_timeout_ms is 30000)"
	fi
fi
nsw_show

# ---- 3: nothing left behind ----------------------------------------------
run rmmod netswap
msg_send "$B" unloaded
if [ -s /tmp/bad ]; then
	fail "$(awk '{ printf "%s%s", (NR > 1 ? "; " : ""), $0 }' /tmp/bad)"
fi
log "restart a: all checks passed"
