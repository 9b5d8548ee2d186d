#!/bin/sh
# jumbo, VM a: pages to b in one datagram each at MTU 9000, three at 1500.
#
# What is counted is eth0's own packet counters, not netswap's: direct
# writes of N pages must send fewer than 1.5 N packets at MTU 9000 (one
# STORE a page, plus the few STORE_ACKs' worth of other traffic), and
# direct reads must receive fewer than 1.5 N. Three chunk datagrams a
# page would be 3 N or more.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
B6=$(awk '$1 == "b" { print $4; exit }' /scenario/vms)
DEV=/dev/netswap0
MB=16
PAGES=$((MB * 256))

txp() { cat /sys/class/net/eth0/statistics/tx_packets; }
rxp() { cat /sys/class/net/eth0/statistics/rx_packets; }

# io MB_OFFSET FILE: writes FILE at MB_OFFSET and reads it back, direct,
# checking the bytes; sets TX and RX to the packets each way took.
io() {
	_t0=$(txp)
	run dd if="$2" of=$DEV bs=1M seek="$1" oflag=direct
	_t1=$(txp)
	_r0=$(rxp)
	run dd if=$DEV of=/tmp/back bs=1M skip="$1" count=$MB iflag=direct
	_r1=$(rxp)
	cmp "$2" /tmp/back || fail "data read back from $DEV at $1 MiB differs"
	TX=$((_t1 - _t0)) RX=$((_r1 - _r0))
	log "$PAGES pages at $1 MiB: $TX packets out writing, $RX in reading"
}

msg_expect ready 300

run modprobe netswap size_mb=512
run dd if=/dev/urandom of=/tmp/data bs=1M count=$MB

# roguestore first: 4 MiB as whole pages, read back (its answers come in
# chunks: a sender's choice). It then leaves, its pages discarded.
run "$CTL" add-peer "$B:7879"
run dd if=/tmp/data of=$DEV bs=1M seek=64 count=4 oflag=direct
run dd if=$DEV of=/tmp/back bs=1M skip=64 count=4 iflag=direct
run dd if=/tmp/data of=/tmp/ref bs=1M count=4
cmp /tmp/ref /tmp/back || fail "data read back from roguestore differs"
run blkdiscard -o $((64 << 20)) -l $((4 << 20)) $DEV
rogue_empty() {
	[ "$(nsw_peer_get "$B:7879" placed_pages)" = 0 ]
}
poll_until 20 "no page of ours left on roguestore" rogue_empty
run "$CTL" del-peer "$B:7879"
msg_send "$B" "rogue done"
msg_expect "rogue checked" 60

# IPv4, then IPv6 (headers 20 bytes longer: the page still fits).
run "$CTL" add-peer "$B"
io 0 /tmp/data
[ $((TX * 2)) -lt $((PAGES * 3)) ] ||
	fail "IPv4, MTU 9000: $TX packets for $PAGES pages written"
[ $((RX * 2)) -lt $((PAGES * 3)) ] ||
	fail "IPv4, MTU 9000: $RX packets for $PAGES pages read"
log "check ok: IPv4, MTU 9000: a page is one datagram each way"
assert_eq "$(nsw_peer_get "$B" page_datagrams)" 1 "page_datagrams to b (IPv4, MTU 9000)"
# Nothing lost on this link: the STORE window grew from its first 32 pages.
assert_gt "$(nsw_peer_get "$B" cwnd_pages)" 32 "cwnd_pages to b after $MB MiB written without loss"
run "$CTL" add-peer "$B6"
run "$CTL" peer set "$B" place ${MB}M
io $MB /tmp/data
[ "$(nsw_peer_get "[$B6]:7878" placed_pages)" -ge $PAGES ] ||
	fail "the IPv6 peer holds $(nsw_peer_get "[$B6]:7878" placed_pages) pages, not $PAGES"
[ $((TX * 2)) -lt $((PAGES * 3)) ] ||
	fail "IPv6, MTU 9000: $TX packets for $PAGES pages written"
[ $((RX * 2)) -lt $((PAGES * 3)) ] ||
	fail "IPv6, MTU 9000: $RX packets for $PAGES pages read"
log "check ok: IPv6, MTU 9000: a page is one datagram each way"
assert_eq "$(nsw_peer_get "[$B6]:7878" page_datagrams)" 1 \
	"page_datagrams to b (IPv6, MTU 9000)"

# Swap, with memory short: 160 MiB through a 48 MiB cgroup.
run mkswap $DEV
run swapon $DEV
memcg work 48
log "+ memtouch 160 1 5 (in the cgroup)"
MEMTOUCH_RANDOM_MB=32 in_memcg work memtouch 160 1 5 >/tmp/mt.log 2>&1 ||
	fail "memtouch over jumbo frames failed (rc $?): $(tail -n 2 /tmp/mt.log)"
log "$(tail -n 1 /tmp/mt.log)"
run swapoff $DEV

# The MTU falls to 1500 on both ends, at run time: the routes say so, and
# pages go in three chunks again.
msg_send "$B" "mtu 1500"
run "$IP" link set eth0 mtu 1500
msg_expect "done" 60
run dd if=/dev/urandom of=/tmp/data2 bs=1M count=$MB
io $((2 * MB)) /tmp/data2
[ "$TX" -ge $((PAGES * 3)) ] ||
	fail "MTU 1500: only $TX packets for $PAGES pages written"
[ "$RX" -ge $((PAGES * 3)) ] ||
	fail "MTU 1500: only $RX packets for $PAGES pages read"
log "check ok: MTU 1500: a page is three datagrams each way"
assert_eq "$(nsw_peer_get "[$B6]:7878" page_datagrams)" 3 "page_datagrams to b (IPv6, MTU 1500)"
io 0 /tmp/data
nsw_show
assert_eq "$(nsw_peer_get "$B" failed_requests)" 0 "errors with b (IPv4)"
assert_eq "$(nsw_peer_get "[$B6]:7878" failed_requests)" 0 "errors with b (IPv6)"

run blkdiscard $DEV
run rmmod netswap
msg_send "$B" "unloaded"
log "jumbo a: all checks passed"
