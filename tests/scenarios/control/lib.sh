# shellcheck shell=sh
# control: helpers of both roles (sourced after guest-lib.sh).

# expect_err TEXT CMD...: CMD must fail, with exactly one line on stderr,
# which contains TEXT.
expect_err() {
	_want=$1
	shift
	if "$@" >/tmp/ee.out 2>/tmp/ee.err; then
		fail "succeeded, but should have failed: $*"
	fi
	_n=$(wc -l </tmp/ee.err)
	[ "$_n" -eq 1 ] || {
		cat /tmp/ee.err
		fail "$*: expected one line on stderr, got $_n"
	}
	grep -qF -- "$_want" /tmp/ee.err ||
		fail "$*: stderr '$(cat /tmp/ee.err)' lacks '$_want'"
	log "check ok: $* -> $(cat /tmp/ee.err)"
}

# json ARGS...: "netswapctl -j ARGS" into /tmp/j.json, which jq must
# accept as exactly one JSON value.
json() {
	"$CTL" -j "$@" >/tmp/j.json 2>/tmp/j.err || {
		cat /tmp/j.err
		fail "netswapctl -j $* failed"
	}
	[ "$(jq -s length /tmp/j.json 2>/dev/null)" = 1 ] || {
		cat /tmp/j.json
		fail "netswapctl -j $*: not one valid JSON value"
	}
}

# jv FILTER: jq -r FILTER of the last json output.
jv() {
	jq -r "$1" /tmp/j.json
}

# assert_str A B WHAT
assert_str() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	log "check ok: $3 = $1"
}

# conf_norm FILE: FILE without comments, blank lines, trailing blanks.
conf_norm() {
	sed -e 's/[ 	]*#.*//' -e 's/[ 	]*$//' "$1" | grep -v '^$'
}

