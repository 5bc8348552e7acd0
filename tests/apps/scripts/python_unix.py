# AF_UNIX sockets from Python: an asyncio server on a path with clients, descriptors passed
# with socket.send_fds/recv_fds, datagram sockets with their sender's name, seqpacket
# records, abstract names, and socketserver's threaded Unix server.
import asyncio, os, socket, socketserver, threading
path = "/tmp/osprey-python-unix-%d" % os.getpid()

async def serve():
    async def handle(reader, writer):
        line = await reader.readline()
        writer.write(b"echo " + line)
        await writer.drain()
        writer.close()
    server = await asyncio.start_unix_server(handle, path)
    async def client(i):
        reader, writer = await asyncio.open_unix_connection(path)
        writer.write(b"hello %d\n" % i)
        reply = await reader.readline()
        writer.close()
        return reply
    replies = await asyncio.gather(*[client(i) for i in range(5)])
    server.close()
    await server.wait_closed()
    return replies
print("asyncio:", asyncio.run(serve()))
os.unlink(path)

a, b = socket.socketpair()
r, w = os.pipe()
socket.send_fds(a, [b"fds"], [w])
os.close(w)
msg, fds, flags, addr = socket.recv_fds(b, 100, 4)
os.write(fds[0], b"through a passed descriptor")
os.close(fds[0])
print("send_fds:", msg, len(fds), os.read(r, 100))
os.close(r)

d1 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d1.bind(path + "-d1")
d2 = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d2.bind(path + "-d2")
d2.sendto(b"datagram", path + "-d1")
data, sender = d1.recvfrom(100)
print("dgram:", data, sender == path + "-d2")
os.unlink(path + "-d1"); os.unlink(path + "-d2")

s1, s2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s1.send(b"one"); s1.send(b"two")
print("seqpacket:", s2.recv(100), s2.recv(100))

abstract = b"\0osprey-python-%d" % os.getpid()
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(abstract); srv.listen()
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(abstract)
conn, _ = srv.accept()
print("abstract:", srv.getsockname() == abstract, c.getpeername() == abstract)
def send_bulk():
    c.sendall(b"x" * 300000)
    c.close()
sender = threading.Thread(target=send_bulk); sender.start()
got = 0
while True:
    chunk = conn.recv(65536)
    if not chunk: break
    got += len(chunk)
sender.join()
print("bulk:", got)

class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.readline().upper())
server = socketserver.ThreadingUnixStreamServer(path + "-ss", Handler)
t = threading.Thread(target=server.serve_forever); t.start()
with socket.socket(socket.AF_UNIX) as s:
    s.connect(path + "-ss"); s.sendall(b"socketserver\n"); print("socketserver:", s.recv(100))
server.shutdown(); server.server_close(); t.join()
os.unlink(path + "-ss")
