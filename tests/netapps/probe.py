#!/usr/bin/env python3
"""Readiness probe for run_server.sh, and a free port for it.

  probe.py --free-port           print a port on 127.0.0.1 that nothing listens on now
  probe.py PORT [--send TEXT] [--expect PREFIX]

Connects to 127.0.0.1:PORT, sends TEXT if given (backslash escapes as in Python), and
decides whether a server is really there: with --expect, the reply must start with
PREFIX; without it, the connection must either bring data or stay open for half a second.
A port forward whose guest does not listen yet is accepted by QEMU and then closed at once,
so a bare successful connect proves nothing. Exits 0 when ready, 1 otherwise.
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
            if send is not None:
                s.sendall(send)
            s.settimeout(0.5 if expect is None else 5)
            data = b""
            while True:
                try:
                    chunk = s.recv(4096)
                except socket.timeout:
                    # Still open and silent: a server that waits for a request.
                    return expect is None
                if not chunk:
                    return expect is not None and data.startswith(expect)
                data += chunk
                if expect is None or data.startswith(expect):
                    return True
                if len(data) >= len(expect):
                    return False
        except OSError:
            return False


def main(argv):
    if argv[1:] == ["--free-port"]:
        print(free_port())
        return 0
    port = int(argv[1])
    send = expect = None
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
