#!/bin/sh
# wire, VM a: nswping and the module as a client of b.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
B2=169.254.1.2
DEV=/dev/netswap0

BLL=$(msg_expect ready 120) || exit 1
# A short I/O deadline: a reply that never comes fails a write in 5 s.
run modprobe netswap size_mb=16 io_timeout_ms=5000

# assert_str A B WHAT
assert_str() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
	log "check ok: $3 = '$1'"
}

# pong_field KEY: KEY's value in the line nswping printed to /tmp/pong.
pong_field() {
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' /tmp/pong
}

# 1. A PONG echoes the PING's req_id and says the room the store has for
# the asker: b lends 16 MiB and holds nothing.
nswping "$B" >/tmp/pong || fail "no PONG from $B: $(cat /tmp/pong)"
cat /tmp/pong
# As strings: a random 64-bit nonce is past what the shell's numbers hold.
got=$(pong_field req_id)
want=$(pong_field sent_req_id)
[ -n "$want" ] && [ "$got" = "$want" ] ||
	fail "PONG req_id = the PING's: expected '$want', got '$got'"
log "check ok: PONG req_id = the PING's = $got"
assert_eq "$(pong_field room)" 4096 "PONG room of a store lending 16 MiB, empty"
assert_gt "$(pong_field epoch)" 0 "PONG handle bits 48-63: the store's epoch"
assert_eq "$(pong_field len)" 8 "PONG payload bytes (give_back)"
assert_eq "$(pong_field give_back)" 0 "PONG give_back of a store asking nothing"
nswping -r 77 "$B" >/tmp/pong || fail "no PONG from $B"
assert_eq "$(pong_field req_id)" 77 "PONG req_id = the PING's (77)"

# 2. b has a second address: it answers from the address it was asked at,
# and a swaps to b by that address.
nswping "$B2" >/tmp/pong || fail "no PONG from $B2: $(cat /tmp/pong)"
cat /tmp/pong
assert_str "$(pong_field from)" "$B2" "PONG source for a PING to $B2"
run "$CTL" peer add "$B2"
run dd if=/dev/urandom of=/tmp/data bs=1M count=1
dd if=/tmp/data of=$DEV bs=1M oflag=direct ||
	fail "a write to b by its second address failed"
run dd if=$DEV of=/tmp/back bs=1M count=1 iflag=direct
cmp /tmp/data /tmp/back || fail "data read back from b by its second address differs"
assert_eq "$(nsw_peer_get "$B2" placed_pages)" 256 "pages placed on b by its second address"
log "check ok: b answers from $B2, a swaps to it there"
nswping "$B2" >/tmp/pong || fail "no PONG from $B2"
assert_eq "$(pong_field room)" $((4096 - 256)) "PONG room with 256 pages held"
run blkdiscard $DEV
none_placed() {
	[ "$(nsw_peer_get "$B2" placed_pages)" = 0 ]
}
poll_until 20 "nothing placed on b after blkdiscard" none_placed
run "$CTL" peer del "$B2"

# 3. A broadcast PING reaches no netswap: neither b nor our own (the
# sender gets its broadcast looped back) answers.
if nswping -t 300 169.254.255.255 >/tmp/pong; then
	fail "a broadcast PING was answered: $(cat /tmp/pong)"
fi
log "check ok: no PONG to a broadcast PING"
msg_send "$B" broadcast
m=$(msg_expect nothost 60) || exit 1
log "check ok: b dropped it (rx_dropped nothost $m)"
assert_gt "$(nsw_get rx_dropped.nothost)" 0 "our rx_dropped nothost (the looped-back copy)"

# 4. A link-local peer: PINGed by its scoped address, and swapped to.
if [ "$BLL" = none ]; then
	log "b has no link-local address: link-local checks skipped"
else
	nswping "$BLL%eth0" >/tmp/pong || fail "no PONG from $BLL%eth0"
	cat /tmp/pong
	assert_str "$(pong_field from)" "$BLL%eth0" "PONG source for a PING to $BLL%eth0"
	run "$CTL" peer add "$BLL"
	run dd if=/tmp/data of=$DEV bs=1M oflag=direct
	run dd if=$DEV of=/tmp/back bs=1M count=1 iflag=direct
	cmp /tmp/data /tmp/back || fail "data read back from b by $BLL differs"
	assert_eq "$(nsw_peer_get "[$BLL]:7878" placed_pages)" 256 "pages placed on b by $BLL"
	run blkdiscard $DEV
	ll_none_placed() {
		[ "$(nsw_peer_get "[$BLL]:7878" placed_pages)" = 0 ]
	}
	poll_until 20 "nothing placed on b ($BLL) after blkdiscard" ll_none_placed
	run "$CTL" peer del "$BLL"
	log "check ok: link-local peer $BLL"
fi

run rmmod netswap
msg_send "$B" done
log "wire a: all checks passed"
