#!/bin/bash
# getrandom gives different bytes on every boot: two runs of the random program print
# their 16 random bytes (hex, on stderr), which must differ.
#   random_differs.sh OSPREY BINARY
set -u
first=$("$1" run --timeout 120 "$2" 2>&1 >/dev/null | grep '^random: ')
second=$("$1" run --timeout 120 "$2" 2>&1 >/dev/null | grep '^random: ')
echo "first boot:  $first"
echo "second boot: $second"
if [ -z "$first" ] || [ -z "$second" ]; then echo "FAIL: no random bytes printed" >&2; exit 1; fi
if [ "$first" = "$second" ]; then echo "FAIL: two boots gave the same random bytes" >&2; exit 1; fi
