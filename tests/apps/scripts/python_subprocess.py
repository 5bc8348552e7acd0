# Python's subprocess (fork and exec underneath): run with captured output, a Popen with
# both pipes, an exit status, a program that does not exist, and a timeout. The child
# program is busybox, added to the image. Compared with the host's run.
import subprocess

BUSYBOX = "/bin/busybox"

result = subprocess.run([BUSYBOX, "echo", "hello from a child"], capture_output=True, text=True)
print("run:", repr(result.stdout), result.returncode)
child = subprocess.Popen([BUSYBOX, "tr", "a-z", "A-Z"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
out, _ = child.communicate("through two pipes")
print("popen:", out, child.returncode)
print("status:", subprocess.run([BUSYBOX, "sh", "-c", "exit 9"]).returncode)
try:
    subprocess.run(["/no/such/program"])
except FileNotFoundError as error:
    print("missing program: FileNotFoundError", error.errno)
try:
    subprocess.run([BUSYBOX, "sleep", "5"], timeout=0.5)
except subprocess.TimeoutExpired:
    print("timeout: TimeoutExpired")
print("check_output:", subprocess.check_output([BUSYBOX, "sh", "-c", "echo $((2 + 3))"], text=True).strip())
