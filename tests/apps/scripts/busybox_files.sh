# busybox file operations, run by busybox sh on an ext4 volume in the guest (the volume's
# mount point) and in a fresh directory on the host; the two outputs must be equal
# (apps.busybox.volume, compare.sh --volume). $1: where to work.
#
# What is printed does not depend on where the tree is or on the file system's choices
# beyond 4 KiB blocks: no inode numbers, no device, no owners (the host run need not be
# root), no directory sizes or directory block counts (ext4 and tmpfs differ there), no
# times but the ones set with touch -d or kept by cp -a and tar, and every listing of a
# directory sorted (readdir order is a hash order that differs between file systems).
export TZ=UTC0
umask 022
mkdir "$1/w" && cd "$1/w" || exit 1
step() { echo "== $*"; }
# Long listings without the owner columns, and "-" for a directory's size.
list() {
    ls -lR --full-time "$@" | awk '/^total / { next } /^d/ { $5 = "-" } NF >= 8 { $3 = $4 = "" } { print }'
}
# Every entry of the trees with its type, mode and links; sizes and blocks of what is not
# a directory, and the mtimes of files and FIFOs (busybox cp -a and tar x leave a symbolic
# link's time at when they made it, on Linux too). untimed_info: without the mtimes.
info() {
    find "$@" | sort | while read -r path; do
        if [ -d "$path" ] && [ ! -L "$path" ]; then
            stat -c '%n %F %a %h' "$path"
        elif [ -L "$path" ] || [ -n "${untimed:-}" ]; then
            stat -c '%N %F %a %h size %s blocks %b' "$path"
        else
            stat -c '%N %F %a %h size %s blocks %b mtime %Y' "$path"
        fi
    done
}
untimed_info() { untimed=1 info "$@"; }
sums() { find "$@" -type f | sort | while read -r path; do md5sum "$path"; done; }
fixed_times() { find "$@" -exec touch -h -d "2024-02-29 13:45:07" {} +; }

step "mkdir -p, files, links, a FIFO"
mkdir -p src/deep/er/est src/empty
seq 1 20000 >src/numbers
seq 1 200000 | sort >src/deep/big
dd if=src/numbers of=src/deep/blob bs=1000 count=50 2>/dev/null
printf 'line one\nline two\n' >'src/deep/er/with space'
: >src/deep/er/est/empty-file
ln src/numbers src/numbers.hard
ln -s numbers src/numbers.sym
ln -s ../../numbers src/deep/er/up
ln -s /no/such/file src/dangling
ln -s deep/er src/dirlink
mkfifo src/fifo
echo "ln on an existing name: $(ln src/numbers src/numbers.hard 2>/dev/null; echo $?)"
echo "mkdir of an existing directory: $(mkdir src/deep 2>/dev/null; echo $?), with -p: $(mkdir -p src/deep; echo $?)"

step "chmod"
chmod 640 src/numbers
chmod 4755 src/deep/blob
chmod 1777 src/deep/er
chmod 2750 src/deep/er/est
chmod u=rx,go= src/empty
chmod -R go-w src/deep/er/est
mkdir src/deep/er/est/inherits

step "touch -d, ls -l --full-time"
fixed_times src
touch -d "2001-09-09 01:46:40" src/numbers
touch -h -d "1999-12-31 23:59:59" src/numbers.sym
touch -d "@1234567890" src/deep/er/est/empty-file
list src
info src
sums src

step "cp -a"
cp -a src copy
find copy -type l -exec touch -h -d "2024-02-29 13:45:07" {} +  # (see info)
list copy
sums copy

step "mv"
mv copy/deep copy/moved
mv copy/numbers copy/moved/er/
mv copy/moved/big copy/numbers.hard
mv 'copy/moved/er/with space' copy/
mv copy/moved/er/est copy/est
echo "mv of a directory into itself: $(mv copy/moved copy/moved/er/ 2>/dev/null; echo $?)"
mkdir copy/est2 copy/vacant
touch -d "2024-02-29 13:45:07" copy/est2/x
echo "mv -T over a non-empty directory: $(mv -T copy/est copy/est2 2>/dev/null; echo $?)"
mv -T copy/empty copy/vacant
mv copy/est copy/est2
echo "the .. of moved directories: $(cd copy/est/inherits/../.. && basename "$(pwd)")"
info copy

step "dd seek, conv=notrunc, truncate"
dd if=/dev/zero of=copy/sparse bs=4096 seek=100 count=1 2>/dev/null
printf 'XXXX' | dd of=copy/moved/blob bs=1 seek=1000 conv=notrunc 2>/dev/null
printf 'tail' | dd of=copy/sparse bs=1024 seek=2000 conv=notrunc 2>/dev/null
printf 'cut here' | dd of=copy/numbers.hard bs=1 seek=70000 2>/dev/null
dd if=copy/moved/blob bs=100 skip=9 count=3 2>/dev/null | md5sum
truncate -s 1M copy/grown
truncate -s 12345 copy/moved/blob
truncate -s 0 copy/est2/x
truncate -s 5000 copy/moved/er/numbers
# (src/deep/blob has the fixed time the changed files had; truncate to the same size
# changes the mtime too.)
for changed in copy/sparse copy/moved/blob copy/numbers.hard copy/est2/x copy/moved/er/numbers; do
    [ "$changed" -nt src/deep/blob ] || echo "not changed: $changed"
done
fixed_times copy/sparse copy/moved/blob copy/numbers.hard copy/grown copy/moved/er/numbers copy/est2/x
info copy/sparse copy/moved/blob copy/numbers.hard copy/grown copy/moved/er/numbers copy/est2/x
du -k copy/sparse copy/moved/blob copy/numbers.hard copy/grown src/deep/big src/numbers
sums copy

step "sort"
sort -n -r copy/moved/er/numbers | head -n 3
sort -t 0 -k 2,2 -k 1,1n src/numbers | md5sum
sort -u -o copy/sorted src/deep/big copy/numbers.hard
wc -l copy/sorted
sort -r -o copy/sorted copy/sorted
head -n 2 copy/sorted
sort -c copy/sorted 2>/dev/null; echo "sort -c of a reversed file: $?"
fixed_times copy/sorted

step "tar c and x"
# (tar z would run a gzip program, the host's; busybox's gzip applet instead, in a pipe.)
tar cf src.tar src
tar cf - copy | gzip >copy.tar.gz
tar tf src.tar | sort
gunzip -c copy.tar.gz | tar tf - | sort | md5sum
mkdir out
tar xf src.tar -C out
gunzip -c copy.tar.gz | tar xf - -C out
info out
sums out
tar xOf src.tar src/deep/er/up 2>/dev/null | head -c 10; echo
echo "tar of a missing file: $(tar cf bad.tar no-such-file 2>/dev/null; echo $?)"

step "find"
find . -type l | sort
find . -type p | sort
find . -perm -4000 | sort
find . -perm -1000 -type d | sort
find . -type f -size +100k | sort
find . -name '*.hard' -links 2 | sort
find . -empty | sort
find . -newer src/numbers -name 'e*' | sort
find . -mtime +3650 | sort
find . -path '*est*' -type d | sort

step "many files, rm -r"
mkdir many
i=0
while [ $i -lt 300 ]; do : >"many/file-with-a-longish-name-$i"; i=$((i + 1)); done
ls many | wc -l
ls many | sort | tail -n 2
rm many/file-with-a-longish-name-1*
ls many | wc -l
# (The tar files hold their entries in readdir order: their bytes differ by file system.)
rm -r copy/moved many out/src src.tar copy.tar.gz
rm -f no-such-file; echo "rm -f of a missing file: $?"
echo "rm of a directory without -r: $(rm copy/est2 2>/dev/null; echo $?)"
echo "rmdir of a non-empty directory: $(rmdir copy 2>/dev/null; echo $?)"
rmdir src/empty
untimed_info .
sums .
