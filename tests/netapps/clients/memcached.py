#!/usr/bin/env python3
"""A memcached text-protocol session on 127.0.0.1:$PORT: set/get/gets, add and replace,
append, incr/decr, delete, a missing key, a 500 KiB value, several keys in one get, and
noreply. Prints the server's replies (CAS unique values only as "a number")."""
import os
import re
import socket

sock = socket.create_connection(("127.0.0.1", int(os.environ["PORT"])), timeout=30)
reader = sock.makefile("rb")


def command(line, data=None):
    payload = line.encode() + b"\r\n"
    if data is not None:
        payload += data + b"\r\n"
    sock.sendall(payload)


def reply_line():
    return reader.readline().decode().rstrip("\r\n")


def show(line):
    print(re.sub(r"^(VALUE \S+ \d+ \d+) \d+$", r"\1 <cas>", line))


def retrieve(line):
    """Prints a get's VALUE lines (with the data's length and start) up to END."""
    command(line)
    while True:
        header = reply_line()
        show(header)
        if not header.startswith("VALUE "):
            return
        size = int(header.split()[3])
        data = reader.read(size + 2)[:-2]
        print("  data: %d bytes, starts %r" % (len(data), data[:20]))


def store(line, data):
    command(line, data)
    print(line.split()[0], "->", reply_line())


store("set greeting 5 0 5", b"hello")
retrieve("get greeting")
retrieve("gets greeting")
store("add greeting 0 0 3", b"new")
store("add fresh 0 0 3", b"new")
store("replace missing 0 0 1", b"x")
store("append greeting 0 0 6", b" world")
retrieve("get greeting")
store("set counter 0 0 2", b"10")
for line in ("incr counter 5", "decr counter 20", "incr counter 18446744073709551615",
             "incr greeting 1", "incr nothing 1", "delete fresh", "delete fresh"):
    command(line)
    print(line, "->", reply_line())
retrieve("get fresh")
big = bytes((i * 13) % 251 for i in range(500 * 1024))
store("set big 0 0 %d" % len(big), big)
command("get big")
header = reply_line()
size = int(header.split()[3])
data = reader.read(size + 2)[:-2]
print("big value read back: %d bytes, same %s, then %s" % (len(data), data == big, reply_line()))
retrieve("get greeting counter nothing big2")
command("set quiet 0 0 2 noreply", b"ok")
retrieve("get quiet")
command("version")
print("version line starts with VERSION:", reply_line().startswith("VERSION "))
command("bogus command")
print("bogus ->", reply_line())
command("quit")
print("after quit the server closes:", reader.read() == b"")
