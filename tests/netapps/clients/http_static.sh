#!/bin/bash
# An HTTP client session against a server of the static tree (make_site.sh) on
# 127.0.0.1:$PORT: status codes, sizes and SHA-256 of bodies, a missing file, HEAD, a
# range, and several URLs over one kept-alive connection. Prints only what the server
# decides from the request and the files (no dates, no server names).
set -u
base=http://127.0.0.1:$PORT
fetch() {
    # PATH: status, size, type and the body's hash
    local body
    body=$(mktemp)
    local line
    line=$(curl -s -o "$body" -w '%{http_code} %{size_download} %{content_type}' "$base$1")
    echo "$1 -> $line $(sha256sum <"$body" | cut -c1-16)"
    rm -f "$body"
}
fetch /index.html
fetch /
fetch /big.bin
fetch /sub/page.txt
fetch /data.json
echo "missing: $(curl -s -o /dev/null -w '%{http_code}' "$base/missing.html")"
echo "HEAD big.bin: $(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$base/big.bin") length $(curl -s -I "$base/big.bin" | tr -d '\r' | grep -i '^content-length:' | cut -d' ' -f2)"
echo "range 100-199 of big.bin: $(curl -s -r 100-199 "$base/big.bin" | sha256sum | cut -c1-16) $(curl -s -r 100-199 -o /dev/null -w '%{http_code} %{size_download}' "$base/big.bin")"
# Keep-alive: one curl, three URLs, one connection (num_connects 1, then 0, 0).
curl -s -w '%{url_effective} %{http_code} %{size_download} connects %{num_connects}\n' \
    -o /dev/null -o /dev/null -o /dev/null \
    "$base/index.html" "$base/sub/page.txt" "$base/big.bin" | sed "s|$base||"
# Ten fetches of the big file in a row: every one complete and the same.
for i in $(seq 1 10); do
    curl -s "$base/big.bin" | sha256sum | cut -c1-16
done | sort | uniq -c | sed 's/^ *//; s/^/10 fetches: /'
# With --load: a short wrk run (figures not compared): requests made, no socket errors,
# every answer a 2xx.
if [ "${1:-}" = --load ]; then
    out=$(wrk -t1 -c4 -d2s "$base/index.html" 2>&1)
    requests=$(echo "$out" | awk '/requests in/ { print $1 }')
    echo "wrk: requests made $([ "${requests:-0}" -gt 0 ] && echo yes || echo no)," \
        "socket errors $(echo "$out" | grep -q 'Socket errors' && echo yes || echo no)," \
        "non-2xx $(echo "$out" | grep -q 'Non-2xx' && echo yes || echo no)"
fi
