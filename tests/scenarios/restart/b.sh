#!/bin/sh
# restart, VM b: the store, which restarts while it holds a's pages.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

# expect WORD: the next message from a must be WORD.
expect() {
	msg_expect "$1" 300
}

# differ WHAT EXPECTED GOT: note a complaint for a unless GOT is EXPECTED.
differ() {
	if [ "$3" = "$2" ]; then
		log "check ok: $1 = $3"
	else
		log "check FAILED: $1: expected $2, got '$3'"
		echo "$1: expected $2, got '$3'" >>/tmp/differ
	fi
}

run modprobe netswap lend_mb=64
wait_for_ping "$A" 60
msg_send "$A" ready

# a placed region A here (1024 pages); now lose them all.
expect restart
assert_eq "$(nsw_peer_get "$A" held_pages)" 1024 "pages held for a before the restart"
# A store holding pages keeps its module: drop them as a crash would.
if rmmod netswap 2>/dev/null; then
	fail "rmmod succeeded while holding a's pages"
fi
run "$CTL" peer del "$A" force
run rmmod netswap
run modprobe netswap lend_mb=64
nsw_show
msg_send "$A" restarted

# a must come back with a session (a RESET) of its own accord.
expect session
known() {
	[ -n "$(nsw_peer_get "$A" held_pages)" ]
}
_i=0
while ! known && [ $_i -lt 30 ]; do
	sleep 1
	_i=$((_i + 1))
done
if known; then
	log "a is known again after ${_i}s"
	msg_send "$A" ok
else
	msg_send "$A" "a did not come back to b within 30 s"
fi

# a wrote region B and rewrote region A: both must be here, 2048 pages,
# and no page of region B overwritten by region A's new data.
expect placed
nsw_show
differ "pages held for a" 2048 "$(nsw_peer_get "$A" held_pages /tmp/show.json)"
differ "store lent_pages" 2048 "$(nsw_get store.lent_pages /tmp/show.json)"
if [ -s /tmp/differ ]; then
	msg_send "$A" "$(awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $0 }' /tmp/differ)"
else
	msg_send "$A" ok
fi

# a unloads (RESET): nothing of it may stay.
expect unloaded
store_drains 20

# a, with its clock a day back, writes 4 MiB and unloads again.
expect unloaded
nsw_show
store_drains 20
run rmmod netswap
log "restart b: all checks passed"
