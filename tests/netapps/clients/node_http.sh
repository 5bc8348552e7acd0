#!/bin/bash
# curl against the node http server on 127.0.0.1:$PORT: JSON GET, POSTs of a small and a
# 1 MiB body, a counter over kept-alive requests, 404.
set -u
base=http://127.0.0.1:$PORT
curl -s "$base/hello?z=26&a=1"
curl -s -d 'small body' "$base/echo"
head -c 1048576 /dev/zero | tr '\0' 'y' >"$SCRATCH/upload"
curl -s --data-binary @"$SCRATCH/upload" "$base/echo"
curl -s -w '%{http_code}\n' -o /dev/null "$base/missing"
curl -s -w 'connects %{num_connects}\n' "$base/count" "$base/count" "$base/count"
