// The open file of an inode: regular files (with an offset and O_APPEND) and directories
// (with a getdents cursor). Devices and special files provide their own Files.
#pragma once

#include "fs/dentry.h"
#include "fs/inode.h"

namespace fs {

Result<RefPtr<File>> open_inode_file(Inode& inode, u32 flags);

// What the descriptor-level calls need from a file that is backed by an inode.
class InodeFile : public File {
public:
    InodeFile(RefPtr<Inode> inode, u32 flags) : File(flags), m_inode(static_cast<RefPtr<Inode>&&>(inode)) {}
    // The last close of the description drops its flock and OFD locks.
    ~InodeFile() override;
    Inode& inode() { return *m_inode; }
    RefPtr<Inode> inode_ref() { return m_inode; }

    // lseek, pread/pwrite and getdents64 go through these.
    Mutex m_offset_lock{"file offset"};  // guards m_offset (and the directory cursor)
    u64 m_offset = 0;

    Result<void> stat(Stat& out) override { return m_inode->stat(out); }
    InodeFile* inode_file() override { return this; }

    // The name the file was opened by (/proc/self/fd, /proc/self/maps); may be null. Set
    // once by whoever opened it, before the file is shared.
    Dentry* dentry() const { return m_dentry.get(); }
    RefPtr<Dentry> dentry_ref() const { return m_dentry; }
    void set_dentry(RefPtr<Dentry> dentry) { m_dentry = static_cast<RefPtr<Dentry>&&>(dentry); }

private:
    RefPtr<Inode> m_inode;
    RefPtr<Dentry> m_dentry;
};

// The inode behind a descriptor's file, or nullptr (pipes, consoles...).
inline InodeFile* as_inode_file(File& file) { return file.inode_file(); }

}  // namespace fs
