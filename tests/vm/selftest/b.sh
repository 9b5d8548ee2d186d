#!/bin/sh
# b: memtouch with a corrupted word must be caught and fail the role.
. /lib/netswap/guest-lib.sh
msg_expect go 60
MEMTOUCH_INJECT_ERROR=1 memtouch 16 1 && fail "memtouch missed the injected corruption"
fail "memtouch caught the injected corruption"
