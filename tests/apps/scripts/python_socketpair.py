# asyncio (its event loop wakes itself through a socket pair) and socket.socketpair itself:
# streams in both directions, non-blocking use, shutdown, poll flags, sendmsg/recvmsg.
import asyncio, socket, os, select, errno, threading
async def f(i):
    await asyncio.sleep(0.01 * i)
    return i * i
async def main():
    print("gather:", sum(await asyncio.gather(*[f(i) for i in range(20)])))
    r, w = socket.socketpair()
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(sock=r)
    w.sendall(b"hello\nworld\n")
    print("readline:", await reader.readline(), await reader.readline())
    writer.close()
asyncio.run(main())
a, b = socket.socketpair()
print("type:", a.type == socket.SOCK_STREAM, a.family == socket.AF_UNIX, a.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE))
a.sendall(b"x" * 100000) if False else None
t = threading.Thread(target=lambda: a.sendall(b"y" * 200000)); t.start()
got = 0
while got < 200000:
    got += len(b.recv(65536))
t.join(); print("bulk:", got)
a.setblocking(False)
b.setblocking(False)
try: b.recv(10)
except BlockingIOError as e: print("empty nonblocking:", e.errno == errno.EAGAIN)
b.send(b"ping"); print("recv:", a.recv(10))
print("select writable:", select.select([], [a], [], 1)[1] == [a])
b.shutdown(socket.SHUT_WR); print("after peer shutdown:", a.recv(10), select.select([a], [], [], 1)[0] == [a])
b.close()
try: a.send(b"z")
except BrokenPipeError: print("EPIPE after close")
p = select.poll(); p.register(a, select.POLLIN | select.POLLRDHUP)
print("poll:", sorted(k for k in ("POLLIN","POLLHUP","POLLRDHUP") if p.poll(0)[0][1] & getattr(select,k)))
r, w = socket.socketpair()
m = w.sendmsg([b"ab", b"cd"]); data, anc, flags, addr = r.recvmsg(10); print("msg:", m, data, anc, flags, addr)
