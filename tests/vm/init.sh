#!/bin/sh
# tests/vm/init.sh - /init (PID 1) of the test VMs' initramfs (busybox sh).
#
# Kernel command line keys (each nsw_key=value is exported as NSW_KEY):
#   nsw_role=NAME       runs /scenario/NAME.sh, sets the hostname
#   nsw_ip=ADDR         IPv4 address (link-local, 169.254.0.0/16) for eth0
#   nsw_ip6=ADDR        optional IPv6 (ULA, /64) for eth0
#   nsw_mtu=BYTES       optional MTU of eth0 (jumbo frames need link stream)
#   nsw_scenario=NAME   only informational
#   nsw_boot=N          which boot of this VM this is: 1, then 2 after the
#                       host restarted it on request (guest-lib: host_restart)
# Prints exactly one "NETSWAP-RESULT: PASS" or "NETSWAP-RESULT: FAIL reason"
# line, then powers the VM off (QEMU runs with -no-reboot and exits).

export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /tmp /run /root
mount -t devpts devpts /dev/pts
exec </dev/console >/dev/console 2>&1

result() {
	echo "NETSWAP-RESULT: $*"
	sync
	# Give the serial console a moment to drain, then power off.
	sleep 1
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 30
}

# Every nsw_KEY=VALUE of the command line becomes NSW_KEY=VALUE in the
# environment (KEY: letters, digits, _), e.g. nsw_role=a -> NSW_ROLE=a.
# Scenarios may take their own knobs this way (NETSWAP_APPEND on the host).
NSW_ROLE='' NSW_IP='' NSW_IP6='' NSW_SCENARIO='' NSW_BOOT=1
for kv in $(cat /proc/cmdline); do
	case "$kv" in
	nsw_*=*)
		key=$(echo "${kv%%=*}" | tr 'a-z' 'A-Z')
		case "$key" in
		*[!A-Z0-9_]*) continue ;;
		esac
		eval "$key=\${kv#*=}"
		export "$key"
		;;
	esac
done
export NSW_ROLE NSW_IP NSW_IP6 NSW_MTU NSW_SCENARIO NSW_BOOT

[ -n "$NSW_ROLE" ] || result "FAIL no nsw_role= on the kernel command line"
hostname "$NSW_ROLE"
echo "netswap test VM: role $NSW_ROLE ip $NSW_IP scenario $NSW_SCENARIO boot $NSW_BOOT kernel $(uname -r)"

# Report hung tasks quickly; the host scans the console for "INFO: task".
if [ -e /proc/sys/kernel/hung_task_timeout_secs ]; then
	echo 30 >/proc/sys/kernel/hung_task_timeout_secs
fi
# Make a WARN() or BUG() visible: keep kernel messages up to info level on
# the console.
echo 7 >/proc/sys/kernel/printk 2>/dev/null

# virtio_pci may be built in (6.12) or a module (6.1).
modprobe virtio_pci 2>/dev/null
modprobe virtio_net || result "FAIL cannot load virtio_net"

if [ -n "$NSW_IP" ]; then
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e /sys/class/net/eth0 ] || result "FAIL no eth0"
	/sbin/ip.real link set lo up
	if [ -n "$NSW_MTU" ]; then
		/sbin/ip.real link set eth0 mtu "$NSW_MTU" ||
			result "FAIL cannot set eth0's MTU to $NSW_MTU"
	fi
	/sbin/ip.real link set eth0 up || result "FAIL cannot bring up eth0"
	/sbin/ip.real addr add "$NSW_IP/16" dev eth0 || result "FAIL cannot set $NSW_IP"
	if [ -n "$NSW_IP6" ]; then
		/sbin/ip.real addr add "$NSW_IP6/64" dev eth0 nodad ||
			result "FAIL cannot set $NSW_IP6"
	fi
fi

script=/scenario/$NSW_ROLE.sh
[ -f "$script" ] || result "FAIL no $script in the initramfs"
echo "---- running $script ----"
rm -f /tmp/fail-reason
sh "$script"
rc=$?
echo "---- $script exited with $rc ----"
if [ $rc -eq 0 ]; then
	result "PASS"
elif [ -s /tmp/fail-reason ]; then
	result "FAIL $(head -n 1 /tmp/fail-reason)"
else
	result "FAIL $NSW_ROLE.sh exited with status $rc"
fi
