#!/bin/sh
# integrity, VM a: the client, against roguestore on b.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
DEV=/dev/netswap0
MB=4
PAGES=$((MB * 256))
KINDS="version len type magic short flags stale reserved"

# ask_b REQUEST REPLY: send REQUEST to b, expect REPLY back.
ask_b() {
	msg_send "$B" "$1"
	msg_expect "$2" 120
}

# check_prefix FILE WHAT [REF]: FILE holds what a failed read handed
# out; it may be shorter than the data written (REF, /tmp/data by
# default), but every byte of it must be right.
check_prefix() {
	_ref=${3:-/tmp/data}
	_sz=$(wc -c <"$1")
	[ "$_sz" -le "$(wc -c <"$_ref")" ] || fail "$2: read $_sz bytes, more than was written"
	if [ "$_sz" -gt 0 ]; then
		cmp -s -n "$_sz" "$1" "$_ref" || {
			cmp -l -n "$_sz" "$1" "$_ref" | head -n 5
			fail "$2: WRONG DATA handed out ($(cmp -l -n "$_sz" "$1" "$_ref" | wc -l) of $_sz bytes differ)"
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

# read_must_fail WHAT [FLAG [REF DD_ARGS...]]: a read (of the first $MB
# MiB, or as DD_ARGS say, whose data is REF) must fail with an I/O error,
# in bounded time, and hand out no wrong byte: no zeros, no other data.
read_must_fail() {
	_what=$1
	_fl=iflag=direct
	[ "${2:-}" = buffered ] && _fl=
	_ref=/tmp/data
	if [ $# -gt 2 ]; then
		_ref=$3
		shift 3
	else
		shift $#
	fi
	[ $# -gt 0 ] || set -- bs=1M count=$MB
	# Nothing of the device may come from the page cache.
	if [ -z "$_fl" ]; then
		echo 1 >/proc/sys/vm/drop_caches
	fi
	rm -f /tmp/bad
	_t0=$(uptime_s)
	log "+ dd if=$DEV of=/tmp/bad $* $_fl (must fail)"
	# shellcheck disable=SC2086
	if dd if=$DEV of=/tmp/bad "$@" $_fl 2>/tmp/dd.err; then
		_rc=0
	else
		_rc=$?
	fi
	_t1=$(uptime_s)
	cat /tmp/dd.err
	check_prefix /tmp/bad "$_what" "$_ref"
	[ "$_rc" -ne 0 ] || fail "$_what: the read succeeded"
	grep -q "Input/output error" /tmp/dd.err || fail "$_what: dd failed, but not with an I/O error"
	[ $((_t1 - _t0)) -lt 90 ] || fail "$_what: the failing read took $((_t1 - _t0)) s"
	log "check ok: $_what failed with an I/O error after $((_t1 - _t0)) s"
}


checksum_error_pages() {
	_v=$(nsw_peer_get "$B" checksum_error_pages)
	[ -n "$_v" ] || fail "netswapctl show has no checksum_error_pages for $B"
	echo "$_v"
}

msg_expect ready 300

run modprobe netswap size_mb=64
run "$CTL" add-peer "$B"

# 1. Honest: the module and an independent store interoperate.
run dd if=/dev/urandom of=/tmp/data bs=1M count=$MB
run dd if=/tmp/data of=$DEV bs=1M oflag=direct
read_back "honest store"
nsw_show
assert_eq "$(nsw_peer_get "$B" placed_pages /tmp/show.json)" $PAGES "pages placed on b"
assert_eq "$(nsw_get device.mapped_pages /tmp/show.json)" $PAGES "mapped_pages"
c0=$(checksum_error_pages) || exit 1
assert_eq "$c0" 0 "checksum_error_pages with an honest store"

# 2. b flips one bit in every page it sends: reads fail, nothing wrong is
# handed out, the checksum error is counted and logged.
ask_b corrupt corrupting
read_must_fail "direct read from a corrupting store"
read_must_fail "buffered read from a corrupting store" buffered
# Pages read ahead may still be on their way when the read has failed;
# each is checked (and counted) as it lands.
crc_settled() {
	_c=$(checksum_error_pages) || return 1
	sleep 1
	[ "$(checksum_error_pages)" = "$_c" ]
}
poll_until 20 "checksum_error_pages settled" crc_settled
nsw_show
c1=$(checksum_error_pages) || exit 1
assert_gt "$c1" 0 "checksum_error_pages with a corrupting store"
dmesg | grep checksum | grep -q "$B:7878" ||
	fail "no kernel log line with 'checksum' and $B:7878"
log "check ok: dmesg: $(dmesg | grep checksum | grep "$B:7878" | head -n 1)"
# A failed read loses nothing: the pages are still mapped.
assert_eq "$(nsw_get device.mapped_pages)" $PAGES "mapped_pages after the failed reads"

# 3. b is honest again: the same pages read back right, with and without
# the page cache (no corrupted page may have stayed in it).
ask_b honest honest
read_back "direct read after corruption stopped"
read_back "buffered read after corruption stopped" buffered
assert_eq "$(checksum_error_pages)" "$c1" "checksum_error_pages while b is honest again"

# 4. Garbage: malformed and stale replies are dropped and counted by kind.
# rx_dropped before, as "kind N kind N ...".
before=
for k in $KINDS; do
	v=$(nsw_get "rx_dropped.$k")
	[ -n "$v" ] || fail "netswapctl show has no 'rx_dropped ... $k'"
	before="$before $k $v"
done
msg_send "$B" garbage
sent=$(msg_expect sent 120) || exit 1
# grown KIND [FILE]: how much rx_dropped KIND grew since "before".
grown() {
	echo $(($(nsw_get "rx_dropped.$1" "${2:-}") - $(msg_field "$1" "$before")))
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
	assert_gt "$(grown "$k" /tmp/show.json)" $((n - 1)) "rx_dropped $k growth (b sent $n)"
done
assert_eq "$(checksum_error_pages)" "$c1" "checksum_error_pages after the garbage"
# NOSESSION or another epoch in a reply to no request is a stray: the
# session, and the pages in it, live on.
if dmesg | grep -q "netswap: $B:7878 restarted"; then
	fail "stray NOSESSION or epoch replies ended the session with b"
fi
log "check ok: stray NOSESSION and epoch replies left the session up"
# The module still works, both ways.
read_back "read after the garbage"
run dd if=/dev/urandom of=/tmp/data bs=1M count=$MB
run dd if=/tmp/data of=$DEV bs=1M oflag=direct
read_back "new data after the garbage"
assert_eq "$(nsw_peer_get "$B" placed_pages)" $PAGES "pages placed on b after overwriting"

# 5. b answers every STORE with an OK STORE_ACK whose handle names no
# page (bits 0-47 zero). The client must drop those answers, retransmit,
# and fail the write at io_timeout_ms; it maps no page under such a
# handle, which would read back as zeros. Then b is honest again and the
# same write works.
ZPAGES=16
ZW="bs=64k seek=128"		# 8 MiB: never written so far
ZR="bs=64k skip=128 count=1"
PARAM=/sys/module/netswap/parameters/io_timeout_ms
iot=$(cat $PARAM)
run dd if=/dev/urandom of=/tmp/zdata bs=4k count=$ZPAGES
echo 3000 >$PARAM
mapped0=$(nsw_get device.mapped_pages)
placed0=$(nsw_peer_get "$B" placed_pages)
ask_b zero-on zero-on
t0=$(uptime_s)
log "+ dd if=/tmp/zdata of=$DEV $ZW oflag=direct (must fail)"
# shellcheck disable=SC2086 # ZW and ZR are several words
if dd if=/tmp/zdata of=$DEV $ZW oflag=direct 2>/tmp/dd.err; then
	cat /tmp/dd.err
	fail "a write succeeded although b's every STORE_ACK names no page"
fi
t1=$(uptime_s)
cat /tmp/dd.err
grep -q "Input/output error" /tmp/dd.err ||
	fail "the write to the lying store failed, but not with an I/O error"
[ $((t1 - t0)) -lt 30 ] ||
	fail "the write to the lying store took $((t1 - t0)) s with io_timeout_ms 3000"
log "check ok: the write to the lying store failed with an I/O error after $((t1 - t0)) s"
assert_eq "$(nsw_get device.mapped_pages)" "$mapped0" \
	"mapped_pages after the failed write (none mapped under a handle naming no page)"
assert_eq "$(nsw_peer_get "$B" placed_pages)" "$placed0" "pages placed on b after the failed write"
msg_send "$B" zero-off
m=$(msg_expect zero-off 120) || exit 1
# Three chunk datagrams a page, each answered: more means retransmissions.
assert_gt "$(msg_field acks "$m")" $((ZPAGES * 3)) "lying STORE_ACKs b sent (the client retransmitted)"
echo "$iot" >$PARAM
# shellcheck disable=SC2086
run dd if=/tmp/zdata of=$DEV $ZW oflag=direct
rm -f /tmp/zback
# shellcheck disable=SC2086
run dd if=$DEV of=/tmp/zback $ZR iflag=direct
cmp -s /tmp/zback /tmp/zdata || fail "the pages at 8 MiB read back wrong after b stopped lying"
log "check ok: the pages at 8 MiB read back identical after b stopped lying"
assert_eq "$(nsw_get device.mapped_pages)" $((mapped0 + ZPAGES)) "mapped_pages once b is honest"

# 6. b "restarts" (as a reload of a store's module): every page it held
# is gone, and its new epoch or NOSESSION says so. Reads of those pages
# must fail with an I/O error, never hand out zeros or other data; the
# client logs one line and sends one event naming b, starts a new
# session, and never sends b a handle of the old epoch (b counts them).
# New writes work, and no checksum error shows: no old handle reached
# the new incarnation, which issues the same slots and generations.
placed0=$(nsw_peer_get "$B" placed_pages)
c2=$(checksum_error_pages) || exit 1
events_start /tmp/mon.json
msg_send "$B" restart
epoch=$(msg_expect "restarted epoch" 120) || exit 1
log "b restarted, epoch $epoch"
read_must_fail "direct read of the pages b lost in its restart"
read_must_fail "buffered read of the pages b lost in its restart" buffered
# shellcheck disable=SC2086
read_must_fail "direct read of the pages at 8 MiB b lost" direct /tmp/zdata $ZR
RLINE="netswap: $B:7878 restarted: [0-9]* pages stored there are lost"
restart_logged() {
	dmesg | grep -q "$RLINE"
}
poll_until 20 "kernel log: $B:7878 restarted: N pages stored there are lost" restart_logged
line=$(dmesg | grep "$RLINE")
log "dmesg: $line"
assert_eq "$(echo "$line" | wc -l)" 1 "kernel log lines on b's restart"
assert_eq "$(echo "$line" | sed 's/.* restarted: \([0-9]*\) pages.*/\1/')" "$placed0" \
	"pages the log line says were lost (placed on b before)"
restart_event() {
	event_seen /tmp/mon.json ".event == \"peer_restart\" and .address == \"$B\" and .port == 7878"
}
poll_until 20 "a peer_restart event for $B:7878" restart_event
events_stop
cat /tmp/mon.json
run dd if=/dev/urandom of=/tmp/data bs=1M count=$MB
run dd if=/tmp/data of=$DEV bs=1M oflag=direct
read_back "new data after b restarted"
read_back "new data after b restarted" buffered
nsw_show
assert_eq "$(nsw_peer_get "$B" placed_pages /tmp/show.json)" $PAGES "pages placed on b after it restarted and was written again"
assert_eq "$(checksum_error_pages)" "$c2" "checksum_error_pages after b restarted"

# 7. Unload; b checks that the unload's RESET left nothing there.
nsw_show
log "$(net_stats)"
run rmmod netswap
if dmesg | grep -q "WARNING"; then
	dmesg | grep -A 20 "WARNING"
	fail "kernel WARNING in dmesg"
fi
msg_send "$B" "done"
log "integrity a: all checks passed"
