#!/usr/bin/env python3
"""Readiness probe for run_server.sh, and a free port for it.

  probe.py --free-port           print a port on 127.0.0.1 that nothing listens on now
  probe.py PORT [--send TEXT] [--expect PREFIX]

Connects to 127.0.0.1:PORT, sends TEXT (backslash escapes as in Python; default an HTTP
request, "GET / HTTP/1.0"), and decides whether a server is really there: the reply must
start with PREFIX (default: any reply at all). A port forward is accepted by QEMU before
the guest listens (and then closed, or left hanging while the guest does not answer), so a
successful connect, or a connection that merely stays open, proves nothing: only an
answer does. Exits 0 when ready, 1 otherwise.
"""
import socket
import sys


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(port, send, expect):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        return False
    with s:
        try:
            s.sendall(send)
            s.settimeout(5)
            data = b""
            while len(data) < max(len(expect), 1):
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return len(data) > 0 and data.startswith(expect)
        except OSError:
            return False


def main(argv):
    if argv[1:] == ["--free-port"]:
        print(free_port())
        return 0
    port = int(argv[1])
    send = b"GET / HTTP/1.0\r\nHost: probe\r\n\r\n"
    expect = b""
    args = argv[2:]
    while args:
        if args[0] == "--send":
            send = args[1].encode().decode("unicode_escape").encode("latin-1")
        elif args[0] == "--expect":
            expect = args[1].encode()
        else:
            print("probe.py: unknown option " + args[0], file=sys.stderr)
            return 2
        args = args[2:]
    return 0 if probe(port, send, expect) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
