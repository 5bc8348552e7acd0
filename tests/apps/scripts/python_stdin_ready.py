# Waiting on stdin that already holds data: select and poll say it is readable at once,
# the data reads whole, and at its end stdin stays readable (end of input). On the host
# stdin is a file; in Osprey it is the console, fed by the host over the serial line.
import select
import sys

print("select before reading:", select.select([0], [], [], 10)[0])
waiter = select.poll()
waiter.register(0, select.POLLIN)
print("poll before reading:", [(fd, bool(events & select.POLLIN)) for fd, events in waiter.poll(10_000)])
data = sys.stdin.buffer.read()
print("read", len(data), "bytes, lines:", data.count(b"\n"))
print("select at the end:", select.select([0], [], [], 10)[0])
