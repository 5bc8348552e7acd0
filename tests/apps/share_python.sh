#!/bin/bash
# Python in the guest writes into a host folder shared with `osprey run -v`, and the host
# reads back exactly what it wrote (docs/storage.md); it also reads what the host put
# there, and a read-only share refuses its write with EROFS.
#   share_python.sh OSPREY PYTHON3
set -u
osprey=$1 python=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/share/in"
printf 'from the host\n' >"$work/share/in/note.txt"
head -c 300000 /dev/urandom >"$work/share/in/blob.bin"
host_sum=$(sha256sum <"$work/share/in/blob.bin" | cut -d' ' -f1)

script='
import hashlib, os, sys
print(open("/data/in/note.txt").read().strip())
print(hashlib.sha256(open("/data/in/blob.bin", "rb").read()).hexdigest())
os.makedirs("/data/out/deep", exist_ok=True)
with open("/data/out/deep/numbers.txt", "w") as f:
    for i in range(20000):
        f.write(f"{i}\n")
os.rename("/data/out/deep/numbers.txt", "/data/out/numbers.txt")
os.symlink("numbers.txt", "/data/out/link")
os.chmod("/data/out/numbers.txt", 0o640)
with open("/data/out/tail.bin", "wb") as f:
    f.write(bytes(range(256)) * 1000)
    f.flush()
    os.fsync(f.fileno())
os.remove("/data/in/note.txt")
print(sorted(os.listdir("/data/out")))
'
if ! out=$("$osprey" run --timeout 120 -v "$work/share:/data" "$python" -c "$script" 2>"$work/err"); then
    echo "FAIL: the run failed:"; cat "$work/err"; exit 1
fi
expected="from the host
$host_sum
['deep', 'link', 'numbers.txt', 'tail.bin']"
failed=0
[ "$out" = "$expected" ] || { echo "FAIL: the guest printed:"; echo "$out"; echo "expected:"; echo "$expected"; failed=1; }
[ "$(seq 0 19999)" = "$(cat "$work/share/out/numbers.txt")" ] || { echo "FAIL: numbers.txt differs on the host"; failed=1; }
[ "$(stat -c %a "$work/share/out/numbers.txt")" = 640 ] || { echo "FAIL: chmod did not reach the host"; failed=1; }
[ "$(readlink "$work/share/out/link")" = numbers.txt ] || { echo "FAIL: the symlink is not on the host"; failed=1; }
cmp -s "$work/share/out/tail.bin" <("$python" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 1000)') ||
    { echo "FAIL: tail.bin differs on the host"; failed=1; }
[ ! -e "$work/share/in/note.txt" ] || { echo "FAIL: the removed file is still on the host"; failed=1; }
[ -d "$work/share/out/deep" ] || { echo "FAIL: the directory made in the guest is not on the host"; failed=1; }

ro_out=$("$osprey" run --timeout 120 -v "$work/share:/data:ro" "$python" -c '
import errno
try:
    open("/data/out/new.txt", "w")
    print("written")
except OSError as e:
    print(errno.errorcode[e.errno])
print(open("/data/out/link").readline().strip())
' 2>"$work/err")
[ "$ro_out" = "EROFS
0" ] || { echo "FAIL: the read-only share gave:"; echo "$ro_out"; cat "$work/err"; failed=1; }
[ ! -e "$work/share/out/new.txt" ] || { echo "FAIL: a read-only share was written"; failed=1; }
[ $failed -eq 0 ] && echo "ok: python3 wrote a host folder through -v; the host read it back; :ro refused writes"
exit $failed
