#!/bin/sh
# drain, VMs b and c: stores that give pages back when a says how, and
# report what they measured ("done WHAT ...").
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
LEND_MB=128

lent() {
	nsw_num nsw_get store.lent_pages
}

# below PAGES: this store holds fewer than PAGES pages.
below() {
	[ "$(lent)" -lt "$1" ]
}

# quota: lend quota lowered to a tenth of what is held; lent_pages must
# fall below it within $1 s. Restored afterwards.
quota() {
	_l=$(lent)
	_q=$((_l / 10))
	_t0=$(uptime_s)
	run "$CTL" quota set lend $((_q * 4))K
	poll_until "$1" "lent_pages below the quota of $_q pages" below "$_q"
	_s=$(($(uptime_s) - _t0))
	log "check ok: quota $_q pages: lent_pages $_l -> $(lent) in ${_s}s"
	run "$CTL" quota set lend ${LEND_MB}M
	msg_send "$A" "done quota $_l $_q $_s"
}

# job: a job of 70% of this VM's RAM or more, while holding a's pages,
# sized so that it fits only if half of what b lends leaves (and leaves
# the other half free once all has). It grows as a real one does:
# JOB_PARTS memtouch of a quarter each, started JOB_STEP_S apart, each
# writing its part and holding it (MEMTOUCH_HOLD); all of it held for
# JOB_HOLD_S, then ended with SIGINT, each part checking every word it
# wrote. No OOM kill. Pages leave at 1 to 3 MiB/s here, the job grows at
# 5, so b keeps a reserve of JOB_RESERVE_PCT of its RAM
# (lend_reserve_pct, admin guide).
JOB_PARTS=4
JOB_STEP_S=10
JOB_HOLD_S=10
JOB_RESERVE_PCT=30
ASKS="memory is short here\|reclaim here"

# exited PID: the process has ended (a zombie until waited for).
exited() {
	[ ! -e /proc/$1/stat ] || [ "$(cut -d' ' -f3 /proc/$1/stat)" = Z ]
}

# job_holding: every part of the job holds its memory, or has ended.
job_holding() {
	_k=0
	for _p in $_pids; do
		grep -q "memtouch: holding" /tmp/job$_k.log || exited "$_p" || return 1
		_k=$((_k + 1))
	done
}

# job_end: SIGINT to each part; each must end within 60 s, having found
# its data right. Sets _failed.
job_end() {
	_k=0 _failed=0
	for _p in $_pids; do
		kill -INT "$_p"
		_w=0
		while ! exited "$_p" && [ $_w -lt 60 ]; do
			sleep 1
			_w=$((_w + 1))
		done
		exited "$_p" || kill -KILL "$_p"
		if ! wait "$_p"; then
			log "job part $_k failed: $(tail -n 2 /tmp/job$_k.log | tr '\n' ' ')"
			_failed=$((_failed + 1))
		fi
		_k=$((_k + 1))
	done
}

job() {
	_l=$(lent)
	_lmb=$((_l / 256))
	_avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	_mb=$(awk '/^MemTotal:/ { print int($2 * 7 / 10 / 1024) }' /proc/meminfo)
	[ "$_mb" -ge $((_avail + _lmb / 2)) ] || _mb=$((_avail + _lmb / 2))
	_part=$(((_mb + JOB_PARTS - 1) / JOB_PARTS))
	_mb=$((_part * JOB_PARTS))
	[ "$_mb" -le $((_avail + _lmb - 4)) ] ||
		fail "job: $_mb MiB would not fit in $_avail MiB available and the $_lmb MiB lent"
	_r0=$(cat /sys/module/netswap/parameters/lend_reserve_pct)
	echo $JOB_RESERVE_PCT >/sys/module/netswap/parameters/lend_reserve_pct ||
		fail "cannot set lend_reserve_pct"
	_n0=$(dmesg | grep -c "$ASKS")
	log "job of ${_mb} MiB, $_avail MiB available, holding $_l pages ($_lmb MiB), reserve ${JOB_RESERVE_PCT}%: $(mem_summary)"
	_t0=$(uptime_s)
	_i=0 _pids=
	while [ $_i -lt $JOB_PARTS ]; do
		MEMTOUCH_HOLD=1 MEMTOUCH_RANDOM_MB=0 \
			memtouch $_part 1 $((_i + 1)) >/tmp/job$_i.log 2>&1 &
		_pids="$_pids $!"
		sleep $JOB_STEP_S
		_i=$((_i + 1))
		log "job: $_i parts of $_part MiB, lent_pages $(lent): $(mem_summary)"
	done
	poll_until 60 "every part of the job holds its memory" job_holding
	sleep $JOB_HOLD_S
	_lh=$(lent)
	log "job: all of it held ${JOB_HOLD_S}s, lent_pages $_lh: $(mem_summary)"
	job_end
	_s=$(($(uptime_s) - _t0))
	echo "$_r0" >/sys/module/netswap/parameters/lend_reserve_pct ||
		fail "cannot set lend_reserve_pct back to $_r0"
	# a judges the OOM kills: the phases after this one still run.
	_o=$(dmesg | grep -c "Out of memory")
	_n=$(($(dmesg | grep -c "$ASKS") - _n0))
	log "job of ${_mb} MiB done in ${_s}s, $_o OOM kills; lent_pages $_l -> $(lent), $_n asks"
	dmesg | grep -m3 "$ASKS\|Out of memory"
	msg_send "$A" "done job $_mb $_l $(lent) $_s $_n $_o $_lh $_failed"
}

# drain: plain rmmod refused while holding pages; drain exits 0; rmmod.
drain() {
	_l=$(lent)
	[ "$_l" -gt 0 ] || fail "drain: holding no pages to begin with"
	if rmmod netswap 2>/tmp/rmmod.err; then
		fail "rmmod succeeded while holding $_l pages"
	fi
	grep -q "in use\|Resource temporarily unavailable" /tmp/rmmod.err ||
		fail "rmmod: $(cat /tmp/rmmod.err)"
	log "check ok: rmmod refused holding $_l pages: $(cat /tmp/rmmod.err)"
	_t0=$(uptime_s)
	"$CTL" drain --timeout 30 >/tmp/drain.out 2>&1
	_rc=$?
	_s=$(($(uptime_s) - _t0))
	tail -n 3 /tmp/drain.out
	[ $_rc = 0 ] || fail "drain holding $_l pages failed after ${_s}s (rc $_rc)"
	assert_eq "$(lent)" 0 "lent_pages after the drain"
	run rmmod netswap
	log "check ok: drained $_l pages in ${_s}s, rmmod succeeded"
	msg_send "$A" "done drain $_l $_s"
}

run modprobe netswap lend_mb=$LEND_MB
msg_send "$A" "ready $NSW_ROLE"
while :; do
	m=$(msg_recv 900) || exit 1
	case "$m" in
	quota\ *) quota "${m#quota }" ;;
	job) job ;;
	drain) drain ;;
	load)
		run modprobe netswap lend_mb=$LEND_MB
		msg_send "$A" "done load"
		;;
	lend\ *)
		run "$CTL" quota set lend "${m#lend }"M
		msg_send "$A" "done lend"
		;;
	finish)
		if [ -d /sys/module/netswap ]; then
			store_drains 30
			run rmmod netswap
		fi
		log "drain $NSW_ROLE: all checks passed"
		exit 0
		;;
	*) fail "unexpected message '$m'" ;;
	esac
done
