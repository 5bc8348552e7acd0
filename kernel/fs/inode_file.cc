#include "fs/inode_file.h"

#include "fs/locks.h"
#include "fs/pipe.h"

#include <new>

namespace fs {

// Locks are owned by the File (the pointer flock and fcntl pass), not by this subclass.
InodeFile::~InodeFile() { release_all(static_cast<File*>(this)); }

namespace {

class RegularFile final : public InodeFile {
public:
    using InodeFile::InodeFile;
    const char* kind() const override { return "file"; }

    Result<usize> read(const IoBuffer& buffer) override {
        MutexLocker lock(m_offset_lock);
        usize n = TRY(inode().read(m_offset, buffer));
        m_offset += n;
        return n;
    }

    Result<usize> write(const IoBuffer& buffer) override {
        MutexLocker lock(m_offset_lock);
        if (status_flags() & O_APPEND) m_offset = inode().size();
        usize n = TRY(inode().write(m_offset, buffer));
        m_offset += n;
        return n;
    }

    u32 poll_events() override { return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM; }
};

class DirectoryFile final : public InodeFile {
public:
    using InodeFile::InodeFile;
    const char* kind() const override { return "directory"; }
    Result<usize> read(const IoBuffer&) override { return Error(EISDIR); }
    Result<usize> write(const IoBuffer&) override { return Error(EBADF); }
    u32 poll_events() override { return POLLIN | POLLRDNORM; }
};

// O_PATH: names a file for *at() calls and fstat; no reading or writing.
class PathFile final : public InodeFile {
public:
    using InodeFile::InodeFile;
    const char* kind() const override { return "path"; }
    Result<usize> read(const IoBuffer&) override { return Error(EBADF); }
    Result<usize> write(const IoBuffer&) override { return Error(EBADF); }
};

}  // namespace

Result<RefPtr<File>> open_inode_file(Inode& inode, u32 flags) {
    // A socket's name is for connect(2): opening it is ENXIO, as on Linux.
    if (inode.type() == InodeType::Socket && !(flags & O_PATH)) return Error(ENXIO);
    if (inode.type() == InodeType::Fifo && !(flags & O_PATH)) return open_fifo(inode, flags);
    File* file;
    if (flags & O_PATH)
        file = new (std::nothrow) PathFile(RefPtr<Inode>(&inode), flags);
    else if (inode.is_directory())
        file = new (std::nothrow) DirectoryFile(RefPtr<Inode>(&inode), flags);
    else
        file = new (std::nothrow) RegularFile(RefPtr<Inode>(&inode), flags);
    if (!file) return Error(ENOMEM);
    return RefPtr<File>::adopt(file);
}

}  // namespace fs
