#!/bin/sh
# drain, VM a: the client whose store b asks for its pages back. Its
# workload writes 32 MiB to b and verifies it after each ask.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
DEV=/dev/netswap0
ALL=18446744073709551615	# NSW_GIVE_BACK_ALL as netswapctl prints it

# b_is KEY VALUE: b's KEY, as a sees it, is VALUE.
b_is() {
	[ "$(nsw_peer_get "$B" "$1")" = "$2" ]
}

# assert_str A B WHAT: the string A is B.
assert_str() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
	log "check ok: $3 = '$1'"
}

# verify WHAT: the 32 MiB read back equal what was written.
verify() {
	run dd if=$DEV of=/tmp/back bs=1M count=32 iflag=direct
	cmp /tmp/data /tmp/back || fail "$1: data read back differs"
	log "check ok: $1: 32 MiB read back identical"
}

# closed WHAT: b takes no new page, but an overwrite of one it holds.
closed() {
	if dd if=/dev/urandom of=$DEV bs=4k seek=$((40 * 256)) count=1 \
		oflag=direct 2>/tmp/dd.err; then
		fail "$1: a new page was stored on b"
	fi
	log "check ok: $1: a new page fails: $(tail -1 /tmp/dd.err)"
	run dd if=/dev/urandom of=/tmp/one bs=1M count=1
	run dd if=/tmp/one of=/tmp/data bs=1M conv=notrunc
	run dd if=/tmp/one of=$DEV bs=1M count=1 oflag=direct
	verify "$1: after an overwrite"
}

msg_expect ready 300
run modprobe netswap size_mb=64
run "$CTL" peer add "$B"
run dd if=/dev/urandom of=/tmp/data bs=1M count=32
run dd if=/tmp/data of=$DEV bs=1M oflag=direct
verify "written"
poll_until 5 "b give_back_pages = 0" b_is give_back_pages 0
assert_str "$(nsw_peer_get "$B" state)" up "b's state"
assert_gt "$(nsw_num nsw_peer_get "$B" room_pages)" 0 "b's room"
msg_send "$B" written

# 1. b's quota is a tenth of what it holds.
n=$(msg_expect quota 120) || exit 1
poll_until 3 "b give_back_pages = $n" b_is give_back_pages "$n"
assert_eq "$(nsw_peer_get "$B" room_pages)" 0 "b's room over its quota"
assert_str "$(nsw_peer_get "$B" state)" up "b's state over its quota"
dmesg | grep -q "netswap: $B:7878 asks for $n pages back" ||
	fail "no dmesg line '$B:7878 asks for $n pages back'"
closed "b over its quota"
msg_send "$B" "quota checked"
msg_expect "quota restored" 120
poll_until 3 "b give_back_pages = 0" b_is give_back_pages 0
dmesg | grep -q "netswap: $B:7878 no longer asks for pages back" ||
	fail "no dmesg line '$B:7878 no longer asks for pages back'"
msg_send "$B" "restored checked"

# 2. b's shrinker asks.
n=$(msg_expect shrink 120) || exit 1
b_asks() {
	[ "$(nsw_num nsw_peer_get "$B" give_back_pages)" -gt 0 ]
}
poll_until 3 "b give_back_pages > 0 (shrinker)" b_asks
log "check ok: b asks $(nsw_peer_get "$B" give_back_pages) pages back (b said $n)"
msg_send "$B" "shrink checked"

# 3. b drains.
msg_expect draining 120
# As text: jq reads 2^64 - 1 as a double.
b_asks_all() {
	"$CTL" peer show "$B" | grep -q " give_back_pages $ALL "
}
poll_until 3 "b give_back_pages = all ($ALL)" b_asks_all
poll_until 3 "b's state draining" b_is state draining
assert_eq "$(nsw_peer_get "$B" room_pages)" 0 "b's room while draining"
dmesg | grep -q "netswap: $B:7878 is draining" ||
	fail "no dmesg line '$B:7878 is draining'"
closed "b draining"
msg_send "$B" "draining checked"
msg_expect "drain cancelled" 120
poll_until 3 "b's state up after the drain is cancelled" b_is state up
poll_until 3 "b give_back_pages = 0" b_is give_back_pages 0

verify "at the end"
run blkdiscard $DEV
run rmmod netswap
msg_send "$B" unloaded
log "drain a: all checks passed"
