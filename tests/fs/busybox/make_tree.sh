#!/bin/bash
# Makes the directory tree the busybox tests run on, the same on every run: text files for
# sort/uniq/grep/sed/awk/wc, a binary file for dd and checksums, an empty file, nested
# directories, a symlink to a file and one to a directory, a dangling symlink, a hard link,
# a tar archive and a gzip file made by the host's busybox, and a checksum list; modes and
# modification times fixed (touch -d, UTC), so listings compare between runs and machines.
#   make_tree.sh BUSYBOX DIR
set -eu
umask 022
busybox=$1 dir=$2
rm -rf "$dir"
mkdir -p "$dir"/docs/notes "$dir"/data/deep/er/still "$dir"/empty_dir "$dir"/src
cd "$dir"
printf 'banana 3\napple 10\ncherry 7\napple 10\ndate 1\nbanana 3\nbanana 3\nelderberry 42\nfig 5\n' >fruit.txt
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nosprey:x:1000:1000:Osprey User:/home/osprey:/bin/sh\n' >docs/passwd.txt
for i in $(seq 1 300); do echo "line $i: the quick brown fox $((i * 7 % 13)) jumps over $((i % 5)) lazy dogs"; done >docs/notes/long.txt
printf 'TODO: write tests\nnothing here\ntodo in lower case\nTODO: fix the kernel\n' >docs/notes/todo.md
printf 'int main(void) { return 0; } /* TODO */\n' >src/main.c
printf '#!/bin/sh\necho hello\n' >src/run.sh
: >empty.txt
# 300 KiB of deterministic binary data (bytes from a linear congruential sequence).
LC_ALL=C awk 'BEGIN { x = 1; for (i = 0; i < 307200; i++) { x = (x * 1103515245 + 12345) % 2147483648; printf "%c", int(x / 65536) % 256 } }' >data/blob.bin
echo "deep file" >data/deep/er/still/bottom.txt
ln -s ../fruit.txt docs/fruit_link
ln -s data/deep dir_link
ln -s does/not/exist dangling
ln fruit.txt data/fruit_hardlink.txt
chmod 0750 src
chmod 0755 src/run.sh
chmod 0600 docs/passwd.txt
chmod 0444 fruit.txt
chmod 1777 empty_dir
"$busybox" md5sum fruit.txt docs/passwd.txt data/blob.bin >checksums.md5
(cd docs && "$busybox" tar cf ../archive.tar passwd.txt notes)
"$busybox" gzip -c docs/notes/long.txt >long.txt.gz
# Fixed times on everything, directories last (creating entries moved their mtimes).
find . -mindepth 1 ! -type d -exec touch -h -d '2021-03-04 05:06:07.123456789 UTC' {} +
find . -mindepth 1 -type d -exec touch -d '2020-01-02 03:04:05 UTC' {} +
touch -d '2019-12-31 23:59:59 UTC' .
