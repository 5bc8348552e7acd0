# Python with several processes: os.fork and os.waitpid, a pipe between parent and child,
# multiprocessing with the fork start method (a Pool as a context manager, a worker that
# raises, a Queue, a Process and its exit code), and a child killed by a signal. Compared
# with the host's run.
import multiprocessing as mp
import os
import signal


def square(x):
    return x * x


def refuse_three(x):
    if x == 3:
        raise ValueError(f"worker refused {x}")
    return x


def main():
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    waited, status = os.waitpid(pid, 0)
    print("os.fork: waited the child", waited == pid, "exit code", os.waitstatus_to_exitcode(status))

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.write(write_end, b"hello from the child")
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        print("pipe:", pipe.read().decode())
    os.waitpid(pid, 0)

    ctx = mp.get_context("fork")
    with ctx.Pool(3) as pool:
        print("pool:", pool.map(square, range(12)))
        try:
            pool.map(refuse_three, range(6))
        except ValueError as error:
            print("pool: a worker raised ValueError:", error)
        print("pool after the exception:", pool.apply(square, (9,)), sorted(pool.imap_unordered(square, range(4))))
    queue = ctx.Queue()
    child = ctx.Process(target=queue.put, args=("through a queue",))
    child.start()
    print("queue:", queue.get())
    child.join()
    print("process exit code:", child.exitcode)

    pid = os.fork()
    if pid == 0:
        signal.pause()
        os._exit(0)
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    print("killed child:", os.WIFSIGNALED(status), signal.Signals(os.WTERMSIG(status)).name)


if __name__ == "__main__":
    main()
