#!/bin/bash
# A redis-cli session against redis-server on 127.0.0.1:$PORT: strings, counters, lists,
# hashes, deletion, expiry (the TTL only checked to lie in its bounds), a 1 MiB value,
# MULTI/EXEC, a mass insert through `redis-cli --pipe`, and a short redis-benchmark run
# that must finish without errors (its figures are not printed).
set -u
r() { redis-cli -p "$PORT" "$@"; }
r FLUSHALL
r SET greeting "hello world"
r GET greeting
r APPEND greeting "!"
r GET greeting
r INCR counter
r INCRBY counter 41
r DECR counter
r LPUSH list a b c
r RPUSH list z
r LRANGE list 0 -1
r LLEN list
r HSET h name osprey kind unikernel year 2024
r HGETALL h
r HGET h kind
r SADD set x y z x
r SCARD set
r DEL greeting list
r EXISTS greeting list h
r SET temp value EX 100
ttl=$(r TTL temp)
echo "TTL within 1..100: $([ "$ttl" -ge 1 ] && [ "$ttl" -le 100 ] && echo yes || echo no)"
r PERSIST temp
r TTL temp
r SET gone soon PX 50
sleep 0.3
r GET gone
# A 1 MiB value in and out.
value=$(mktemp)
python3 -c 'import sys; sys.stdout.write("".join(chr(97 + (i * 7) % 26) for i in range(1 << 20)))' >"$value"
r -x SET big <"$value"
r STRLEN big
echo "1 MiB value read back: $([ "$(r --raw GET big | head -c 1048576 | sha256sum)" = "$(sha256sum <"$value")" ] && echo same || echo different)"
rm -f "$value"
# A transaction, through one connection.
printf 'MULTI\nINCR tx\nINCR tx\nSET txkey done\nEXEC\nGET txkey\n' | r
# Mass insert in the Redis protocol.
pipe=$(mktemp)
for i in $(seq 1 1000); do
    key="key:$i" val="value-$i"
    printf '*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n' ${#key} "$key" ${#val} "$val"
done >"$pipe"
r --pipe <"$pipe" | tail -1
rm -f "$pipe"
r GET key:777
r DBSIZE
# A short benchmark: it must run to the end without errors. Eight clients, not the default
# fifty: QEMU's port forwarder listens with a backlog of 1, so fifty connections at once
# lose SYNs on the host and wait out their retransmission (1 s, 3 s, 7 s...), whatever
# the guest.
if out=$(redis-benchmark -p "$PORT" -q -c 8 -n 2000 -t get,set -P 1 2>&1); then status=ok; else status=failed; fi
lines=$(echo "$out" | tr '\r' '\n')
echo "redis-benchmark: $status, SET $(echo "$lines" | grep -q '^SET: .*requests per second' && echo yes || echo no)," \
    "GET $(echo "$lines" | grep -q '^GET: .*requests per second' && echo yes || echo no)"
r PING
