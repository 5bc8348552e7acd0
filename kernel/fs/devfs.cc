#include "fs/devfs.h"

#include <cstring>
#include <new>

#include "fs/devfs_block.h"
#include "fs/synthetic.h"
#include "fs/vfs.h"
#include "lib/random.h"
#include "drivers/console/console.h"
#include "text/proc_format.h"

namespace devfs {

namespace {

using fs::synthetic::Node;
using fs::synthetic::SyntheticFilesystem;

constexpr u64 kDevtmpfsMagic = 0x01021994;  // devtmpfs is a tmpfs: TMPFS_MAGIC

enum class Device : u8 { Null, Zero, Full, Random, Urandom, Tty, Console, Serial, Terminal };

bool stream_is_terminal(console::Stream stream) {
    RefPtr<fs::File> file = console::file(stream);
    fs::Stat st;
    return file && file->stat(st).is_ok() && st.st_rdev == text::proc::encode_dev(136, 0);
}

class DeviceNode final : public Node {
public:
    DeviceNode(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Device device, u32 major, u32 minor,
               u32 permissions, console::Stream stream)
        : Node(filesystem, fs::InodeType::CharDevice, ino, permissions, name),
          m_device(device), m_rdev(text::proc::encode_dev(major, minor)), m_stream(stream) {}

    Device device() const { return m_device; }
    console::Stream stream() const { return m_stream; }

    Result<void> stat(fs::Stat& out) override {
        TRY(Inode::stat(out));
        out.st_rdev = m_rdev;
        out.st_size = 0;
        out.st_blocks = 0;
        return {};
    }

    // The data devices; the offset does not matter to any of them.
    Result<usize> read(u64, const fs::IoBuffer& buffer) override {
        switch (m_device) {
            case Device::Null: return 0;
            case Device::Zero:
            case Device::Full: return fill(buffer, false);
            case Device::Random:
            case Device::Urandom: return fill(buffer, true);
            default: return Error(EINVAL);
        }
    }

    Result<usize> write(u64, const fs::IoBuffer& buffer) override {
        switch (m_device) {
            case Device::Null:
            case Device::Zero: return buffer.length;
            case Device::Full: return Error(ENOSPC);
            case Device::Random:
            case Device::Urandom: {
                u8 chunk[256];
                usize done = 0;
                while (done < buffer.length) {
                    usize n = buffer.length - done < sizeof chunk ? buffer.length - done : sizeof chunk;
                    auto copied = buffer.copy_in(done, chunk, n);
                    if (copied.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(copied.error()));
                    krandom::add_entropy(chunk, n);
                    done += n;
                }
                return done;
            }
            default: return Error(EINVAL);
        }
    }

    Result<RefPtr<fs::File>> open(u32 flags) override;

private:
    // Zeros or random bytes, a chunk at a time; a fault after some bytes gives a short read.
    static Result<usize> fill(const fs::IoBuffer& buffer, bool random) {
        u8 chunk[256];
        if (!random) memset(chunk, 0, sizeof chunk);
        usize done = 0;
        while (done < buffer.length) {
            usize n = buffer.length - done < sizeof chunk ? buffer.length - done : sizeof chunk;
            if (random) krandom::fill(chunk, n);
            auto copied = buffer.copy_out(done, chunk, n);
            if (copied.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(copied.error()));
            done += n;
        }
        return done;
    }

    Device m_device;
    u64 m_rdev;
    console::Stream m_stream;  // Serial: the console stream it is
};

// null, zero, full, random, urandom.
class DataDeviceFile final : public fs::InodeFile {
public:
    using InodeFile::InodeFile;
    const char* kind() const override { return "device"; }
    Result<usize> read(const fs::IoBuffer& buffer) override { return inode().read(0, buffer); }
    Result<usize> write(const fs::IoBuffer& buffer) override { return inode().write(0, buffer); }
    u32 poll_events() override { return fs::POLLIN | fs::POLLOUT | fs::POLLRDNORM | fs::POLLWRNORM; }
};

// The console opened by name: reads come from the application's stdin, writes go to its
// stdout (or, for a serial line, to the one stream it is); terminal ioctls go to the
// stream that is a terminal. fstat describes the device node opened.
class ConsoleDeviceFile final : public fs::InodeFile {
public:
    ConsoleDeviceFile(RefPtr<fs::Inode> inode, u32 flags, RefPtr<fs::File> in, RefPtr<fs::File> out,
                      RefPtr<fs::File> control)
        : InodeFile(static_cast<RefPtr<fs::Inode>&&>(inode), flags), m_in(in), m_out(out), m_control(control) {}
    const char* kind() const override { return "console"; }

    Result<usize> read(const fs::IoBuffer& buffer) override {
        if (!m_in) return Error(EINVAL);
        return m_in->read(buffer);
    }
    Result<usize> write(const fs::IoBuffer& buffer) override {
        if (!m_out) return Error(EINVAL);
        return m_out->write(buffer);
    }
    Result<u64> ioctl(u32 request, u64 argument) override { return m_control->ioctl(request, argument); }
    u32 poll_events() override {
        u32 events = 0;
        if (m_in) events |= m_in->poll_events() & (fs::POLLIN | fs::POLLRDNORM | fs::POLLHUP);
        if (m_out) events |= m_out->poll_events() & (fs::POLLOUT | fs::POLLWRNORM);
        return events;
    }

private:
    RefPtr<fs::File> m_in, m_out, m_control;
};

Result<RefPtr<fs::File>> DeviceNode::open(u32 flags) {
    if (flags & fs::O_PATH) return fs::open_inode_file(*this, flags);
    fs::File* file = nullptr;
    RefPtr<fs::File> in = console::file(console::Stream::In), out = console::file(console::Stream::Out);
    switch (m_device) {
        case Device::Null:
        case Device::Zero:
        case Device::Full:
        case Device::Random:
        case Device::Urandom: file = new (std::nothrow) DataDeviceFile(RefPtr<fs::Inode>(this), flags); break;
        case Device::Tty: {
            bool in_tty = stream_is_terminal(console::Stream::In), out_tty = stream_is_terminal(console::Stream::Out);
            if (!in_tty && !out_tty) return Error(ENXIO);
            file = new (std::nothrow) ConsoleDeviceFile(RefPtr<fs::Inode>(this), flags, in, out, out_tty ? out : in);
            break;
        }
        case Device::Console:
            file = new (std::nothrow)
                ConsoleDeviceFile(RefPtr<fs::Inode>(this), flags, in, out, stream_is_terminal(console::Stream::Out) ? out : in);
            break;
        case Device::Terminal: {
            // Where fds 0..2 lead when they are on the host's terminal: writes go to the
            // stream that is on it (stdout first), so /dev/stderr stays on the terminal
            // when stdout is redirected.
            RefPtr<fs::File> err = console::file(console::Stream::Err);
            RefPtr<fs::File> target = stream_is_terminal(console::Stream::Out)   ? out
                                      : stream_is_terminal(console::Stream::Err) ? err
                                                                                 : out;
            file = new (std::nothrow) ConsoleDeviceFile(RefPtr<fs::Inode>(this), flags, in, target,
                                                        stream_is_terminal(console::Stream::In) ? in : target);
            break;
        }
        case Device::Serial: {
            RefPtr<fs::File> stream = console::file(m_stream);
            bool input = m_stream == console::Stream::In;
            file = new (std::nothrow) ConsoleDeviceFile(RefPtr<fs::Inode>(this), flags, input ? stream : nullptr,
                                                        input ? nullptr : stream, stream);
            break;
        }
    }
    if (!file) return Error(ENOMEM);
    return RefPtr<fs::File>::adopt(file);
}

// The console reports itself (fstat of fds 0..2) as inodes 3..5 of this file system:
// the serial lines and the terminal get those numbers, so ttyname() finds them.
constexpr u64 kConsoleIno = 3;
constexpr u64 kFirstFreeIno = 16;

Result<void> add_device(fs::synthetic::Directory& directory, std::string_view name, Device device, u32 major,
                        u32 minor, u32 permissions, console::Stream stream = console::Stream::In, u64 ino = 0) {
    auto& filesystem = static_cast<SyntheticFilesystem&>(directory.filesystem());
    if (!ino) ino = filesystem.allocate_ino();
    auto* node = new (std::nothrow) DeviceNode(filesystem, ino, name, device, major, minor, permissions, stream);
    if (!node) return Error(ENOMEM);
    directory.add_node(*node);
    node->unref();
    return {};
}

}  // namespace

Result<void> mount_at(std::string_view path) {
    auto* filesystem = SyntheticFilesystem::create("devtmpfs", kDevtmpfsMagic, fs::synthetic::kDevfsDevice, 0);
    if (!filesystem) return Error(ENOMEM);
    auto& root = filesystem->root_directory();
    root.m_permissions = 0755;
    while (filesystem->allocate_ino() < kFirstFreeIno) {
    }
    TRY(add_device(root, "null", Device::Null, 1, 3, 0666));
    TRY(add_device(root, "zero", Device::Zero, 1, 5, 0666));
    TRY(add_device(root, "full", Device::Full, 1, 7, 0666));
    TRY(add_device(root, "random", Device::Random, 1, 8, 0666));
    TRY(add_device(root, "urandom", Device::Urandom, 1, 9, 0666));
    TRY(add_device(root, "tty", Device::Tty, 5, 0, 0666));
    TRY(add_device(root, "console", Device::Console, 5, 1, 0600));
    // The console's streams when they are not a terminal (the console reports itself as
    // ttyS1..3 then, and as pts/0 on a terminal): what /proc/self/fd/0..2 lead to.
    TRY(add_device(root, "ttyS1", Device::Serial, 4, 65, 0660, console::Stream::In, kConsoleIno));
    TRY(add_device(root, "ttyS2", Device::Serial, 4, 66, 0660, console::Stream::Out, kConsoleIno + 1));
    TRY(add_device(root, "ttyS3", Device::Serial, 4, 67, 0660, console::Stream::Err, kConsoleIno + 2));
    auto* pts = TRY(root.add_directory("pts", 0755));
    TRY(add_device(*pts, "0", Device::Terminal, 136, 0, 0620, console::Stream::In, kConsoleIno));
    TRY(root.add_static_link("stdin", "/proc/self/fd/0"));
    TRY(root.add_static_link("stdout", "/proc/self/fd/1"));
    TRY(root.add_static_link("stderr", "/proc/self/fd/2"));
    TRY(root.add_static_link("fd", "/proc/self/fd"));
    TRY(root.add_directory("shm", 01777));
    TRY(add_block_devices(root));
    return fs::mount(path, *filesystem);
}

}  // namespace devfs
