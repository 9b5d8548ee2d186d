#!/bin/sh
# integrity, VM a: the client, against roguestore on b.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
DEV=/dev/netswap0
MB=4
PAGES=$((MB * 256))
KINDS="version len type magic short flags stale"

# ask_b REQUEST REPLY: send REQUEST to b, expect REPLY back.
ask_b() {
	msg_send "$B" "$1"
	_m=$(msg_recv 120) || exit 1
	[ "$_m" = "$2" ] || fail "b answered '$_m' to '$1', expected '$2'"
}

# check_prefix FILE WHAT: FILE holds what a failed read handed out; it
# may be shorter than the data, but every byte of it must be right.
check_prefix() {
	_sz=$(wc -c <"$1")
	[ "$_sz" -le $((MB * 1048576)) ] || fail "$2: read $_sz bytes, more than was written"
	if [ "$_sz" -gt 0 ]; then
		cmp -s -n "$_sz" "$1" /tmp/data || {
			cmp -l -n "$_sz" "$1" /tmp/data | head -n 5
			fail "$2: WRONG DATA handed out ($(cmp -l -n "$_sz" "$1" /tmp/data | wc -l) of $_sz bytes differ)"
		}
	fi
	log "check ok: $2 handed out $_sz bytes, all of them right"
}

# read_back WHAT [FLAG]: read the data back (direct I/O unless FLAG is
# "buffered") and compare.
read_back() {
	_fl=iflag=direct
	[ "${2:-}" = buffered ] && _fl=
	rm -f /tmp/back
	# shellcheck disable=SC2086 # _fl is one word or none
	run dd if=$DEV of=/tmp/back bs=1M count=$MB $_fl
	cmp -s /tmp/back /tmp/data || {
		cmp -l /tmp/back /tmp/data | head -n 5
		fail "$1: data read back differs"
	}
	log "check ok: $1: $MB MiB read back identical"
}

# read_must_fail WHAT [FLAG]: with b corrupting, a read must fail with an
# I/O error, in bounded time, and hand out no wrong byte.
read_must_fail() {
	_fl=iflag=direct
	[ "${2:-}" = buffered ] && _fl=
	rm -f /tmp/bad
	_t0=$(uptime_s)
	log "+ dd if=$DEV of=/tmp/bad bs=1M count=$MB $_fl (must fail)"
	# shellcheck disable=SC2086
	if dd if=$DEV of=/tmp/bad bs=1M count=$MB $_fl 2>/tmp/dd.err; then
		_rc=0
	else
		_rc=$?
	fi
	_t1=$(uptime_s)
	cat /tmp/dd.err
	check_prefix /tmp/bad "$1"
	[ "$_rc" -ne 0 ] || fail "$1: the read succeeded although b corrupts every page"
	grep -q "Input/output error" /tmp/dd.err || fail "$1: dd failed, but not with an I/O error"
	[ $((_t1 - _t0)) -lt 90 ] || fail "$1: the failing read took $((_t1 - _t0)) s"
	log "check ok: $1 failed with an I/O error after $((_t1 - _t0)) s"
}

crc_errors() {
	_v=$(nsw_peer_field "$B" crc_errors)
	[ -n "$_v" ] || fail "netswapctl show has no crc_errors for $B"
	echo "$_v"
}

m=$(msg_recv 300) || exit 1
[ "$m" = "ready" ] || fail "expected 'ready' from b, got '$m'"

run modprobe netswap size_mb=64
run "$CTL" add-peer "$B"

# 1. Honest: the module and an independent store interoperate.
run dd if=/dev/urandom of=/tmp/data bs=1M count=$MB
run dd if=/tmp/data of=$DEV bs=1M oflag=direct
read_back "honest store"
nsw_show
assert_eq "$(nsw_peer_field "$B" placed /tmp/show.txt)" $PAGES "pages placed on b"
assert_eq "$(nsw_field device pages_mapped /tmp/show.txt)" $PAGES "pages_mapped"
c0=$(crc_errors) || exit 1
assert_eq "$c0" 0 "crc_errors with an honest store"

# 2. b flips one bit in every page it sends: reads fail, nothing wrong is
# handed out, the checksum error is counted and logged.
ask_b corrupt corrupting
read_must_fail "direct read from a corrupting store"
read_must_fail "buffered read from a corrupting store" buffered
# Pages read ahead may still be on their way when the read has failed;
# each is checked (and counted) as it lands.
crc_settled() {
	_c=$(crc_errors) || return 1
	sleep 1
	[ "$(crc_errors)" = "$_c" ]
}
poll_until 20 "crc_errors settled" crc_settled
nsw_show
c1=$(crc_errors) || exit 1
assert_gt "$c1" 0 "crc_errors with a corrupting store"
dmesg | grep checksum | grep -q "$B:7878" ||
	fail "no kernel log line with 'checksum' and $B:7878"
log "check ok: dmesg: $(dmesg | grep checksum | grep "$B:7878" | head -n 1)"
# A failed read loses nothing: the pages are still mapped.
assert_eq "$(nsw_field device pages_mapped)" $PAGES "pages_mapped after the failed reads"

# 3. b is honest again: the same pages read back right, with and without
# the page cache (no corrupted page may have stayed in it).
ask_b honest honest
read_back "direct read after corruption stopped"
read_back "buffered read after corruption stopped" buffered
assert_eq "$(crc_errors)" "$c1" "crc_errors while b is honest again"

# 4. Garbage: malformed and stale replies are dropped and counted by kind.
# rx_dropped before, as "kind N kind N ...".
before=
for k in $KINDS; do
	v=$(nsw_field rx_dropped "$k")
	[ -n "$v" ] || fail "netswapctl show has no 'rx_dropped ... $k'"
	before="$before $k $v"
done
msg_send "$B" garbage
sent=$(msg_recv 120) || exit 1
case "$sent" in
"sent "*) ;;
*) fail "b answered '$sent' to 'garbage'" ;;
esac
# grown KIND [FILE]: how much rx_dropped KIND grew since "before".
grown() {
	echo $(($(nsw_field rx_dropped "$1" "${2:-}") - $(msg_field "$1" "$before")))
}
dropped_enough() {
	for _k in $KINDS; do
		[ "$(grown "$_k")" -ge "$(msg_field "$_k" "$sent")" ] || return 1
	done
}
poll_until 20 "rx_dropped grew by what b sent ($sent)" dropped_enough
nsw_show
for k in $KINDS; do
	n=$(msg_field "$k" "$sent")
	assert_gt "$n" 0 "$k datagrams b sent"
	assert_gt "$(grown "$k" /tmp/show.txt)" $((n - 1)) "rx_dropped $k growth (b sent $n)"
done
assert_eq "$(crc_errors)" "$c1" "crc_errors after the garbage"
# The module still works, both ways.
read_back "read after the garbage"
run dd if=/dev/urandom of=/tmp/data bs=1M count=$MB
run dd if=/tmp/data of=$DEV bs=1M oflag=direct
read_back "new data after the garbage"
assert_eq "$(nsw_peer_field "$B" placed)" $PAGES "pages placed on b after overwriting"

# 5. Unload; b checks that the unload's RESET left nothing there.
nsw_show
log "$(net_stats)"
run rmmod netswap
if dmesg | grep -q "WARNING"; then
	dmesg | grep -A 20 "WARNING"
	fail "kernel WARNING in dmesg"
fi
msg_send "$B" "done"
log "integrity a: all checks passed"
