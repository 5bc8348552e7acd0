#!/bin/bash
# Makes the static tree the HTTP servers serve, the same on every build: a small page, a
# 5 MiB binary file of a fixed pattern, a text file in a subdirectory, a JSON file.
#   make_site.sh DIR
set -eu
dir=$1
rm -rf "$dir"
mkdir -p "$dir/sub"
cat >"$dir/index.html" <<'HTML'
<!DOCTYPE html>
<html><head><title>Osprey</title></head>
<body><h1>Served by a real server</h1><p>Through osprey run -p.</p></body></html>
HTML
python3 - "$dir/big.bin" <<'PY'
import sys
# 5 MiB: each 4-byte block is its own index, so a lost or moved block changes the hash.
with open(sys.argv[1], "wb") as f:
    f.write(b"".join(i.to_bytes(4, "little") for i in range(5 * 1024 * 1024 // 4)))
PY
seq 1 2000 | sed 's/^/line /' >"$dir/sub/page.txt"
printf '{"name": "osprey", "items": [1, 2, 3]}\n' >"$dir/data.json"
find "$dir" -exec touch -h -d '2024-02-29 12:34:56 UTC' {} +
