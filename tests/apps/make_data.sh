#!/bin/bash
# Makes the files the coreutils tests read, under DIR, the same on every build: a small tree
# (files, an empty directory, a symlink, a file with mode 600) with fixed modification
# times, a table of words for sort/cut/join, and a list of numbers.
#   make_data.sh DIR
set -eu
dir=$1
rm -rf "$dir"
mkdir -p "$dir/tree/sub/deeper" "$dir/tree/empty"
tree=$dir/tree
printf 'alpha\n' >"$tree/a.txt"
printf 'Bravo\ncharlie\nAlpha\nbravo\n' >"$tree/B.txt"
seq 1 5000 >"$tree/numbers.txt"
printf 'x' >"$tree/sub/x"
head -c 10000 /dev/zero >"$tree/sub/deeper/zeros.bin"
awk 'BEGIN { for (i = 0; i < 256; i++) printf "%c", i }' >"$tree/sub/bytes.bin"
ln -s a.txt "$tree/link"
ln -s sub/deeper "$tree/deeper-link"
chmod 600 "$tree/sub/x"
chmod 755 "$tree/numbers.txt"
# A table: name,score,city, with repeated names and scores, mixed case, some spaces.
awk 'BEGIN {
    split("oslo lima quito Berlin paris Zagreb bern lagos", cities, " ")
    split("ada Bob carol dave Eve frank grace heidi ivan judy", names, " ")
    seed = 7
    for (i = 1; i <= 400; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648
        printf "%s,%d,%s\n", names[seed % 10 + 1], (seed / 7) % 1000, cities[int(seed / 13) % 8 + 1]
    }
}' >"$dir/table.csv"
# Sizes and versions for sort -h and sort -V; words for uniq, tr and fold.
printf '10K\n2M\n512\n1G\n3K\n1.5M\n100\n' >"$dir/sizes.txt"
printf 'v1.10\nv1.2\nv1.9\nv10.0\nv2.0-rc1\nv2.0\n' >"$dir/versions.txt"
for word in the quick brown fox jumps over the lazy dog The Quick end the; do
    echo "$word"
done >"$dir/words.txt"
printf '1 apple\n2 banana\n4 date\n5 elder\n' >"$dir/left.txt"
printf '1 red\n2 yellow\n3 green\n5 black\n' >"$dir/right.txt"
(cd "$dir" && sha256sum tree/a.txt tree/numbers.txt tree/sub/x tree/sub/bytes.bin >sums.sha256)
find "$dir" -exec touch -h -d '2024-02-29 12:34:56 UTC' {} +
