#!/bin/sh
# integrity, VM b: roguestore is the store; netswap is not loaded here.
# a drives the test with messages; each is answered once roguestore has
# said that it acted on the signal it got (tests/prog/roguestore.c: USR1
# corrupt, USR2 garbage, WINCH zero handle, PWR restart).
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
OUT=/tmp/rogue.out

# rogue_count PATTERN: lines of roguestore's output matching PATTERN.
rogue_count() {
	grep -c -- "$1" "$OUT"
}

# rogue_more PATTERN N: more than N lines match PATTERN.
rogue_more() {
	[ "$(rogue_count "$1")" -gt "$2" ]
}

# rogue_signal SIG PATTERN: send SIG, wait until one more line matches.
rogue_signal() {
	_n=$(rogue_count "$2")
	run kill "-$1" "$RS"
	poll_until 20 "roguestore answered SIG$1 ($2)" rogue_more "$2" "$_n"
}

rogue_alive() {
	kill -0 "$RS" 2>/dev/null || fail "roguestore is gone"
}

log "+ roguestore -g 10 >$OUT &"
roguestore -g 10 >"$OUT" 2>&1 &
RS=$!
trap 'log "roguestore output:"; cat "$OUT"' EXIT
poll_until 20 "roguestore listening" grep -q "listening on 0.0.0.0:7878" "$OUT"
wait_for_ping "$A" 60
msg_send "$A" "ready"

while :; do
	m=$(msg_recv 300) || exit 1
	rogue_alive
	case "$m" in
	corrupt)
		rogue_signal USR1 "corrupt on"
		msg_send "$A" "corrupting"
		;;
	honest)
		rogue_signal USR1 "corrupt off"
		grep "corrupt off" "$OUT" | tail -1
		msg_send "$A" "honest"
		;;
	garbage)
		rogue_signal USR2 "^sent "
		msg_send "$A" "$(grep "^sent " "$OUT" | tail -1)"
		;;
	zero-on)
		rogue_signal WINCH "zero handle on"
		msg_send "$A" "zero-on"
		;;
	zero-off)
		rogue_signal WINCH "zero handle off"
		n=$(grep "zero handle off" "$OUT" | tail -1 | sed 's/.*(\([0-9]*\) lying.*/\1/')
		msg_send "$A" "zero-off acks $n"
		;;
	restart)
		rogue_signal PWR "restarted, epoch"
		msg_send "$A" "restarted epoch $(grep "restarted, epoch" "$OUT" | tail -1 | sed 's/.*epoch //')"
		;;
	"done")
		break
		;;
	*)
		fail "unexpected message '$m'"
		;;
	esac
done

# a unloaded its module, which RESETs its pages here: none may be left.
log "$(net_stats)"
rogue_signal TERM "roguestore: exit:"
ex=$(grep "roguestore: exit:" "$OUT" | tail -1)
assert_eq "$(msg_field held "$ex")" 0 "pages held after a unloaded"
assert_gt "$(msg_field corrupted "$ex")" 0 "LOAD_ACKs corrupted"
assert_gt "$(msg_field resets "$ex")" 2 "RESETs (add-peer, after the restart, unload)"
assert_eq "$(msg_field restarts "$ex")" 1 "restarts"
# a learnt of the restart, and sent no handle of the epoch before it.
assert_eq "$(msg_field old_epoch "$ex")" 0 "handles of another epoch a sent in a session"
assert_gt "$(msg_field zero_acks "$ex")" 0 "STOREs answered with a handle naming no page"
assert_eq "$(msg_field dropped "$ex")" 0 "malformed requests from a"
# a's sequential reads LOAD pages ahead in batches: an independent
# reading of protocol.rst's "Batches" took them (and dropped none above).
assert_gt "$(msg_field batched "$ex")" 0 "LOADs that came in a batch"
log "integrity b: all checks passed"
