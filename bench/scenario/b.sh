#!/bin/sh
# bench, VM b: the far side of every reference. Lends RAM to netswap,
# echoes udpping, serves iperf3, and exports a file in its RAM over NBD.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
NBD_MB=${NSW_BENCH_NBD_MB:-256}

run modprobe netswap lend_mb=384
udpping server 9100 &
UDPPING=$!
iperf3 -s -p 5201 >/tmp/iperf3.log 2>&1 &
IPERF=$!

# The NBD export: a file in RAM (the initramfs is RAM), written in full
# first so that the server's writes find their pages allocated, as
# netswap's store finds its pool. Not for runs that measure no NBD (the
# replicas run).
case ",${NSW_BENCH_BACKENDS:-nbd}," in
*,nbd,*)
	mkdir -p /tmp/nbd /var/run
	run dd if=/dev/zero of=/tmp/nbd/swap.img bs=1M count="$NBD_MB"
	cat >/tmp/nbd/config <<CONF
[generic]
[swap]
	exportname = /tmp/nbd/swap.img
CONF
	run nbd-server -C /tmp/nbd/config
	;;
esac

# Nothing is measured before this VM is quiet: nbd-server (GnuTLS) starts
# by generating Diffie-Hellman parameters, 0.7 s of CPU on a real machine
# and a random 1 to 11 s or more of this VM's CPU under emulation, taken
# from whatever a measured first.
# shellcheck disable=SC2086 # the fields of /proc/stat's cpu line
cpu_ticks() {
	set -- $(head -n 1 /proc/stat)
	echo "$(($2 + $3 + $4 + $7 + $8)) $(($5 + $6))"
}
t=0
while :; do
	read -r busy0 idle0 <<CPU
$(cpu_ticks)
CPU
	sleep 2
	t=$((t + 2))
	read -r busy idle <<CPU
$(cpu_ticks)
CPU
	busy=$((busy - busy0)) idle=$((idle - idle0))
	# At most 5 % busy over 2 s.
	[ $((busy * 20)) -le $((busy + idle)) ] && break
	[ $t -lt 600 ] || fail "still busy after $t s"
done
log "quiet after ${t} s"
pidof nbd-server >/dev/null &&
	log "nbd-server used $(awk '{ printf "%.1f", ($14 + $15) / 100 }' /proc/"$(pidof nbd-server | awk '{ print $NF }')"/stat) s of CPU"

wait_for_ping "$A" 60
msg_send "$A" "ready"
msg_expect "done" 2300

nsw_show
log "store: lent_pages $(nsw_get store.lent_pages)"
kill "$UDPPING" "$IPERF" 2>/dev/null
killall nbd-server 2>/dev/null
run rmmod netswap
log "bench b: done"
