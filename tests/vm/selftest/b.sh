#!/bin/sh
# b: memtouch with a corrupted word must be caught and fail the role.
. /lib/netswap/guest-lib.sh
m=$(msg_recv 60) || exit 1
[ "$m" = go ] || fail "expected 'go', got '$m'"
MEMTOUCH_INJECT_ERROR=1 memtouch 16 1 && fail "memtouch missed the injected corruption"
fail "memtouch caught the injected corruption"
