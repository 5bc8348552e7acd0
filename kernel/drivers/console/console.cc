#include "drivers/console/console.h"

#include "lib/atomic.h"

#include "arch/x86_64/cpu.h"
#include "boot/startup.h"
#include "drivers/serial/channels.h"
#include "lib/log.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "mm/user_memory.h"
#include "sched/thread.h"
#include "protocol/stdin_frames.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"

namespace console {

namespace {

// ioctl requests (include/uapi/asm-generic/ioctls.h) and the termios layout they use.
constexpr u32 TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGWINSZ = 0x5413,
              TIOCSWINSZ = 0x5414, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, FIONREAD = 0x541b, FIONBIO = 0x5421;

struct Termios {  // struct termios as the kernel ABI has it (NCCS = 19)
    u32 c_iflag, c_oflag, c_cflag, c_lflag;
    u8 c_line;
    u8 c_cc[19];
};
struct WinSize {
    u16 ws_row, ws_col, ws_xpixel, ws_ypixel;
};

// stdin bytes decoded from the control channel, waiting to be read. Guarded by the mutex
// of the reader; the UART is only read by a reader.
struct StdinBuffer {
    Mutex lock{"console"};
    protocol::StdinFrameDecoder decoder;
    u8 data[4096];
    usize head = 0, tail = 0;  // data[head, tail) is unread
};
StdinBuffer g_stdin;

// Readiness of stdin for poll, select and epoll. Bytes arrive on the UART without an
// interrupt (see read()), so while anyone watches stdin a kernel thread polls for them
// with the same growing pause as a blocked read, and tells the watchers when bytes or the
// end of input arrive. Nobody watching: the thread sleeps on g_watched.
kstd::Atomic<int> g_watchers{0};
Semaphore g_watched;
constexpr u64 kWatchPauseMaxNs = 5'000'000;

class ConsoleFile final : public fs::File {
public:
    ConsoleFile(Stream stream, bool tty) : File(stream == Stream::In ? fs::O_RDONLY : fs::O_WRONLY), m_stream(stream), m_tty(tty) {
        // A terminal keeps a termios; the defaults of a Linux console in cooked mode.
        m_termios = {0x500, 0x5, 0xbf, 0x8a3b, 0, {}};
        m_termios.c_cc[0] = 3;   // VINTR ^C
        m_termios.c_cc[1] = 28;  // VQUIT
        m_termios.c_cc[2] = 127; // VERASE
        m_termios.c_cc[3] = 21;  // VKILL
        m_termios.c_cc[4] = 4;   // VEOF ^D
        m_termios.c_cc[6] = 1;   // VMIN
    }
    const char* kind() const override { return "console"; }

    Result<usize> write(const fs::IoBuffer& buffer) override {
        if (m_stream == Stream::In) return Error(EBADF);
        Uart16550& port = m_stream == Stream::Out ? channels::app_stdout() : channels::app_stderr();
        startup::mark(startup::Step::FirstOutput);
        u8 chunk[256];
        usize done = 0;
        while (done < buffer.length) {
            usize n = buffer.length - done < sizeof chunk ? buffer.length - done : sizeof chunk;
            auto copied = buffer.copy_in(done, chunk, n);
            if (copied.is_error()) {
                if (done) return done;  // a partial write, like Linux
                return Error(copied.error());
            }
            port.write({reinterpret_cast<const char*>(chunk), n});
            done += n;
        }
        return done;
    }

    Result<usize> read(const fs::IoBuffer& buffer) override {
        if (m_stream != Stream::In) return Error(EBADF);
        if (buffer.length == 0) return 0;
        MutexLocker lock(g_stdin.lock);
        // Poll the UART with a growing pause while nothing arrives: bytes stream in as fast
        // as we take them when the host has data, and an idle wait costs little.
        // FIXME: interrupt-driven receive through the IOAPIC would make waiting free.
        u64 pause_ns = 0;
        while (g_stdin.head == g_stdin.tail && !g_stdin.decoder.eof()) {
            if (pump()) {
                pause_ns = 0;
                continue;
            }
            if (nonblocking()) return Error(EAGAIN);
            if (WaitQueue::signal_pending()) return Error(ERESTARTSYS);
            if (pause_ns)
                sched::sleep_ns(pause_ns);
            else
                sched::yield();
            pause_ns = pause_ns ? (pause_ns * 2 > 1'000'000 ? 1'000'000 : pause_ns * 2) : 20'000;
        }
        usize available = g_stdin.tail - g_stdin.head;
        usize n = available < buffer.length ? available : buffer.length;
        TRY(buffer.copy_out(0, g_stdin.data + g_stdin.head, n));
        g_stdin.head += n;
        return n;
    }

    u32 poll_events() override {
        if (m_stream != Stream::In) return fs::POLLOUT;
        // Take what the host already sent, unless a reader holds the buffer (it is
        // pumping itself): a poll with no timeout must see bytes that are there.
        if (g_stdin.head == g_stdin.tail && g_stdin.lock.try_lock()) {
            pump();
            g_stdin.lock.unlock();
        }
        if (g_stdin.head != g_stdin.tail || g_stdin.decoder.eof()) return fs::POLLIN | fs::POLLRDNORM;
        return 0;
    }

    // The stdin watcher thread's loop (see g_watchers).
    static void watch_stdin(void* file) {
        auto* self = static_cast<ConsoleFile*>(file);
        u64 pause_ns = 20'000;
        for (;;) {
            if (g_watchers.load() <= 0) {
                g_watched.down();
                pause_ns = 20'000;
                continue;
            }
            bool arrived = false, ended = false;
            {
                MutexLocker lock(g_stdin.lock);
                bool was_ended = g_stdin.decoder.eof();
                arrived = pump();
                ended = !was_ended && g_stdin.decoder.eof();
            }
            if (arrived || ended) {
                // Every arrival is an event (edge-triggered epoll waits for new data).
                self->notify_observers(fs::POLLIN | fs::POLLRDNORM);
                pause_ns = 20'000;
                continue;
            }
            sched::sleep_ns(pause_ns);
            pause_ns = pause_ns * 2 > kWatchPauseMaxNs ? kWatchPauseMaxNs : pause_ns * 2;
        }
    }

protected:
    void observers_changed(int delta) override {
        if (m_stream != Stream::In) return;
        if (g_watchers.fetch_add(delta) + delta > 0 && delta > 0) g_watched.up();
    }

public:

    // A terminal is /dev/pts/0 (136:0); otherwise a serial line the host connects to a pipe
    // or a file, reported as /dev/ttyS1.. (4:65..): a character device either way.
    Result<void> stat(fs::Stat& out) override {
        out = {};
        out.st_dev = 5;
        out.st_ino = 3 + static_cast<u64>(m_stream);
        out.st_nlink = 1;
        out.st_mode = fs::S_IFCHR | 0620;
        out.st_rdev = m_tty ? (136u << 8) : ((4u << 8) | (65 + static_cast<u32>(m_stream)));
        out.st_blksize = 1024;
        return {};
    }

    Result<u64> ioctl(u32 request, u64 argument) override {
        if (request == FIONBIO) {
            int on = TRY(UserPtr<int>(argument).read());
            set_status_flags(on ? status_flags() | fs::O_NONBLOCK : status_flags() & ~fs::O_NONBLOCK);
            return 0;
        }
        if (request == FIONREAD && m_stream == Stream::In) {
            TRY(UserPtr<int>(argument).write(static_cast<int>(g_stdin.tail - g_stdin.head)));
            return 0;
        }
        if (!m_tty) return Error(ENOTTY);
        switch (request) {
            case TCGETS: TRY(UserPtr<Termios>(argument).write(m_termios)); return 0;
            case TCSETS:
            case TCSETSW:
            case TCSETSF: m_termios = TRY(UserPtr<Termios>(argument).read()); return 0;
            case TIOCGWINSZ: TRY(UserPtr<WinSize>(argument).write(m_window)); return 0;
            case TIOCSWINSZ: m_window = TRY(UserPtr<WinSize>(argument).read()); return 0;
            case TIOCGPGRP: TRY(UserPtr<int>(argument).write(m_foreground_group)); return 0;
            case TIOCSPGRP: {
                int group = TRY(UserPtr<int>(argument).read());
                if (group != 1) return Error(EPERM);  // the only process group is the application's
                m_foreground_group = group;
                return 0;
            }
        }
        return Error(ENOTTY);
    }

private:
    // Moves what the UART holds into the stdin buffer; true if anything arrived.
    static bool pump() {
        if (g_stdin.head == g_stdin.tail) g_stdin.head = g_stdin.tail = 0;
        u8 raw[64];
        usize got = channels::control().read_available(raw, sizeof raw < sizeof g_stdin.data - g_stdin.tail ? sizeof raw : sizeof g_stdin.data - g_stdin.tail);
        if (!got) return false;
        g_stdin.decoder.feed({raw, got}, [](std::span<const u8> bytes) {
            for (u8 b : bytes) g_stdin.data[g_stdin.tail++] = b;
        });
        return true;
    }

    Stream m_stream;
    bool m_tty;
    Termios m_termios;
    WinSize m_window{24, 80, 0, 0};  // FIXME: the host terminal's size is not passed in yet
    int m_foreground_group = 1;
};

RefPtr<fs::File> g_files[3];

}  // namespace

void init(const bool tty[3]) {
    for (int i = 0; i < 3; i++) g_files[i] = RefPtr<fs::File>::adopt(new ConsoleFile(static_cast<Stream>(i), tty[i]));
    // The stdin watcher: asleep until something polls stdin. Without it poll and epoll
    // would wait on stdin in vain, so failing to start it is worth a line in the log.
    auto watcher = Thread::spawn("stdin-watch", ConsoleFile::watch_stdin, g_files[0].get(), {.detached = true});
    if (watcher.is_error()) klog::warn("console: no stdin watcher thread ({}): poll on stdin will not wake", watcher.error());
}

RefPtr<fs::File> file(Stream stream) { return g_files[static_cast<int>(stream)]; }

void StderrSink::write(std::string_view bytes) { channels::app_stderr().write(bytes); }

}  // namespace console
