#!/bin/bash
# curl against the Go net/http server on 127.0.0.1:$PORT: JSON from GET and POST, a 1 MiB
# upload, a counter over kept-alive requests, a streamed (chunked) 2 MiB body, 404 and 405.
set -u
base=http://127.0.0.1:$PORT
curl -s "$base/hello?b=2&a=1"
curl -s -H 'Content-Type: application/json' -d '{"name":"osprey","n":[1,2,3]}' "$base/echo"
head -c 1048576 /dev/zero | tr '\0' 'x' >"$SCRATCH/upload"
curl -s -H 'Content-Type: application/octet-stream' --data-binary @"$SCRATCH/upload" "$base/echo"
curl -s -w ' %{http_code}\n' -o /dev/null "$base/echo"
curl -s -w '%{http_code}\n' -o /dev/null "$base/nothing"
# Five requests on one connection: the counter goes up, one connect.
curl -s -w ' connects %{num_connects}\n' "$base/count" "$base/count" "$base/count" "$base/count" "$base/count"
echo "stream: $(curl -s "$base/stream" | wc -c) bytes, $(curl -s "$base/stream" | sha256sum | cut -c1-16)"
