# Python's standard library in Osprey: pure-Python modules, built-in and extension modules
# (loaded with dlopen, some with their own shared libraries: _hashlib -> libcrypto,
# _sqlite3 -> libsqlite3, _decimal -> libmpdec, _ctypes -> libffi), threads, the file
# system (os.walk, tempfile) and the sqlite3 module. Prints only what is the same on every
# run; the exit status says whether every check passed.
import datetime
import decimal
import hashlib
import json
import os
import re
import sqlite3
import struct
import sys
import tempfile
import threading
import zlib

failures = 0


def check(ok, what):
    global failures
    if not ok:
        failures += 1
    print(("ok: " if ok else "FAIL: ") + what)


# json (the _json accelerator is an extension module)
document = {"name": "osprey", "tags": ["unikernel", "c++"], "version": [0, 8], "nested": {"pi": 3.25, "none": None, "yes": True}}
text = json.dumps(document, sort_keys=True, indent=1)
print(text)
check(json.loads(text) == document, "json round trip")
print("json.decoder.c_scanstring:", json.decoder.c_scanstring is not None)

# re
log = "2024-02-29 13:45:01 GET /index.html 200\n2024-02-29 13:45:02 POST /api/items 201\n2024-03-01 00:00:00 GET /missing 404\n"
pattern = re.compile(r"^(?P<date>\d{4}-\d\d-\d\d) (?P<time>[\d:]+) (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3})$", re.M)
for match in pattern.finditer(log):
    print("re:", match.group("method"), match.group("path"), match.group("status"))
print("re.sub:", re.sub(r"(\w+)@(\w+)\.com", r"\2 at \1", "mail bob@example.com and eve@corp.com"))
print("re.split:", re.split(r"[,;]\s*", "a, b;c,   d"))

# hashlib (OpenSSL through _hashlib) and zlib
data = b"The quick brown fox jumps over the lazy dog" * 1000
for name in ("md5", "sha1", "sha256", "sha512", "sha3_256", "blake2b"):
    print("hashlib:", name, hashlib.new(name, data).hexdigest()[:32])
print("pbkdf2:", hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 1000).hex()[:32])
compressed = zlib.compress(data, 9)
print("zlib:", len(data), "->", len(compressed), "crc32", hex(zlib.crc32(data)), "adler32", hex(zlib.adler32(data)))
check(zlib.decompress(compressed) == data, "zlib round trip")
stream = zlib.compressobj(6, zlib.DEFLATED, -15)
raw = stream.compress(data) + stream.flush()
check(zlib.decompress(raw, -15) == data, "raw deflate round trip")

# struct
packed = struct.pack("<IhQd4s?", 0xDEADBEEF, -2, 2**40 + 7, 2.5, b"ospr", True)
print("struct:", packed.hex(), struct.calcsize("<IhQd4s?"), struct.unpack("<IhQd4s?", packed))
print("struct native:", struct.calcsize("@iqc"), struct.pack(">H", 513).hex())

# datetime (no time zone files: UTC and fixed offsets only)
moment = datetime.datetime(2024, 2, 29, 13, 45, 0, tzinfo=datetime.timezone.utc)
later = moment + datetime.timedelta(days=366, hours=11, minutes=15)
print("datetime:", moment.isoformat(), later.isoformat(), later.strftime("%A %d %B %Y %j"))
offset = moment.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
print("datetime offset:", offset.isoformat(), (later - moment).total_seconds())
print("date:", datetime.date(2000, 1, 1).toordinal(), datetime.date.fromisoformat("2023-12-31").isocalendar())
print("strptime:", datetime.datetime.strptime("29/02/2024 23:59", "%d/%m/%Y %H:%M"))

# decimal (_decimal and libmpdec)
decimal.getcontext().prec = 40
print("decimal:", decimal.Decimal(2).sqrt(), decimal.Decimal("1.10") + decimal.Decimal("2.20"))

# threading
results = {}
lock = threading.Lock()


def work(index):
    digest = hashlib.sha256(str(index).encode() * 10000).hexdigest()
    total = sum(i * index for i in range(20000))
    with lock:
        results[index] = (digest[:16], total)


threads = [threading.Thread(target=work, args=(i,), name=f"worker-{i}") for i in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
for index in sorted(results):
    print("thread", index, *results[index])
event = threading.Event()
timer = threading.Timer(0.05, event.set)
timer.start()
check(event.wait(10), "threading.Timer fired")
condition = threading.Condition()
queue = []


def producer():
    for i in range(100):
        with condition:
            queue.append(i)
            condition.notify()


consumer_total = 0
producer_thread = threading.Thread(target=producer)
producer_thread.start()
received = 0
while received < 100:
    with condition:
        condition.wait_for(lambda: queue)
        while queue:
            consumer_total += queue.pop(0)
            received += 1
producer_thread.join()
print("condition: received", received, "total", consumer_total)

# tempfile and os.walk over a tree made there
with tempfile.TemporaryDirectory(prefix="osprey-") as top:
    for directory in ("a/b/c", "a/d", "e"):
        os.makedirs(os.path.join(top, directory))
    for index, path in enumerate(("a/one.txt", "a/b/two.txt", "a/b/c/three.bin", "a/d/four.txt", "e/five.txt", "six.txt")):
        with open(os.path.join(top, path), "wb") as out:
            out.write(bytes(range(index * 10 % 256)) * (index + 1))
    os.symlink("a/one.txt", os.path.join(top, "link"))
    os.rename(os.path.join(top, "six.txt"), os.path.join(top, "e/six.txt"))
    os.remove(os.path.join(top, "a/d/four.txt"))
    for root, directories, files in os.walk(top):
        directories.sort()
        relative = os.path.relpath(root, top)
        for name in sorted(files):
            path = os.path.join(root, name)
            print("walk:", os.path.join(relative, name), os.path.getsize(path), os.path.islink(path))
    with tempfile.NamedTemporaryFile("w+", dir=top, suffix=".txt") as named:
        named.write("temporary\n" * 3)
        named.flush()
        named.seek(0)
        check(named.read().count("temporary") == 3 and named.name.endswith(".txt"), "NamedTemporaryFile")
    spooled = tempfile.SpooledTemporaryFile(max_size=10)
    spooled.write(b"x" * 100)
    spooled.seek(0)
    check(len(spooled.read()) == 100, "SpooledTemporaryFile rolled over")
    spooled.close()
    check(tempfile.gettempdir() == "/tmp", "gettempdir is /tmp")
check(not os.path.exists(top), "TemporaryDirectory removed")

# os.walk over this script's own directory (from the image, not tmpfs)
here = os.path.dirname(os.path.abspath(__file__))
names = []
for root, directories, files in os.walk(here):
    directories.sort()
    names += [os.path.relpath(os.path.join(root, name), here) for name in sorted(files)]
check(os.path.basename(__file__) in names, "os.walk finds the script itself")

# sqlite3 (the module, on a file in a temporary directory and in memory)
with tempfile.TemporaryDirectory() as top:
    database = os.path.join(top, "test.db")
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, category TEXT)")
    with connection:
        connection.executemany(
            "INSERT INTO items (name, price, category) VALUES (?, ?, ?)",
            [(f"item{i}", round(i * 1.25 % 97, 2), ("tools", "food", "books")[i % 3]) for i in range(5000)])
    for row in connection.execute("SELECT category, COUNT(*), ROUND(SUM(price), 2), MIN(name) FROM items GROUP BY category ORDER BY category"):
        print("sqlite3:", row)
    connection.execute("CREATE INDEX by_price ON items (price)")
    print("sqlite3 top:", connection.execute("SELECT name, price FROM items ORDER BY price DESC, id LIMIT 3").fetchall())
    connection.close()
    again = sqlite3.connect(database)
    print("sqlite3 reopened:", again.execute("SELECT COUNT(*) FROM items").fetchone()[0])
    print("sqlite3 integrity:", again.execute("PRAGMA integrity_check").fetchone()[0])
    again.close()
    memory = sqlite3.connect(":memory:")
    print("sqlite3 memory:", memory.execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000) SELECT SUM(x), group_concat(x, '') LIKE '123%' FROM n").fetchone())

# ctypes (_ctypes, libffi) calling libc found through ld.so.cache
import ctypes
libc = ctypes.CDLL("libc.so.6")
libc.strlen.restype = ctypes.c_size_t
check(libc.strlen(b"osprey") == 6, "ctypes strlen")

print("python", sys.version_info[:2] >= (3, 7), "failures", failures)
sys.exit(1 if failures else 0)
