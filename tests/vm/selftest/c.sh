#!/bin/sh
# c never finishes: it must be killed at the deadline (grace after b's failure).
. /lib/netswap/guest-lib.sh
sleep 100000
