#!/usr/bin/env python3
"""An HTTP client in Python's standard library (urllib, http.client, socket), fetching
from a server of the static tree: the server runs on the host, and this client on the host
(HOST 127.0.0.1) or inside Osprey (HOST 10.0.2.2, the host's loopback through QEMU user
networking).  usage: urllib_client.py HOST PORT"""
import hashlib
import http.client
import socket
import sys
import urllib.error
import urllib.request

host, port = sys.argv[1], int(sys.argv[2])
base = "http://%s:%d" % (host, port)


def digest(data):
    return hashlib.sha256(data).hexdigest()[:16]


for path in ("/index.html", "/big.bin", "/sub/page.txt", "/data.json"):
    with urllib.request.urlopen(base + path, timeout=60) as response:
        body = response.read()
        print(path, response.status, response.headers.get("Content-Type"),
              response.headers.get("Content-Length"), len(body), digest(body))
try:
    urllib.request.urlopen(base + "/missing.html", timeout=60)
    print("missing: no error")
except urllib.error.HTTPError as error:
    print("missing:", error.code)

# http.client on one connection, several requests (the server answers HTTP/1.0 and
# closes, so http.client reconnects by itself).
connection = http.client.HTTPConnection(host, port, timeout=60)
for path in ("/data.json", "/sub/page.txt"):
    connection.request("GET", path)
    response = connection.getresponse()
    print("http.client", path, response.status, len(response.read()))
connection.close()

# A raw socket speaking HTTP by hand, reading until the server closes.
with socket.create_connection((host, port), timeout=60) as s:
    s.sendall(b"GET /big.bin HTTP/1.0\r\nHost: test\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    print("raw socket:", head.split(b"\r\n")[0].decode(), len(body), digest(body))
