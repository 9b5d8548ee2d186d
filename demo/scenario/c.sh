#!/bin/sh
# demo, VM c: a store like b.
. /scenario/b.sh
