#!/usr/bin/env python3
"""The Linux end of the interop tests' upload: Python's http.server with PUT and POST.

    upload_server.py ADDRESS PORT DIR

GET serves DIR as http.server does; PUT or POST /NAME stores the body (Content-Length
bytes) as DIR/uploads/NAME and answers "stored N bytes". One request per connection
(HTTP/1.0), the way libs/net's client asks.
"""
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_PUT(self):
        self.store()

    def do_POST(self):
        self.store()

    def store(self):
        name = os.path.basename(self.path)
        length = self.headers.get("Content-Length")
        if not name or name.startswith(".") or length is None or not length.isdigit():
            self.send_error(400, "PUT /NAME with a Content-Length")
            return
        body = self.rfile.read(int(length))
        if len(body) != int(length):
            self.send_error(400, f"the body ended after {len(body)} of {length} bytes")
            return
        uploads = os.path.join(self.directory, "uploads")
        os.makedirs(uploads, exist_ok=True)
        with open(os.path.join(uploads, name + ".partial"), "wb") as out:
            out.write(body)
        os.rename(os.path.join(uploads, name + ".partial"), os.path.join(uploads, name))
        answer = f"stored {len(body)} bytes\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    address, port, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    def handler(*args, **kwargs):
        return Handler(*args, directory=directory, **kwargs)

    with http.server.HTTPServer((address, port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
