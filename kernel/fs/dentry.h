// The name a file was reached by: the directory that held it and the last component of the
// path, as the path walk found them (a small, per-open cousin of Linux's dentry). Open files
// and file mappings keep one, so /proc/self/fd and /proc/self/maps print the path a file was
// opened by: canonical (the directory's path comes from the tree, so symlinks are resolved
// and renames of the directories above are followed), and marked " (deleted)" once the name
// no longer leads to the file. fs::path_of (vfs.h) renders it.
//
// A Dentry never changes after it is made: it is shared without a lock.
#pragma once

#include <cstring>
#include <new>

#include "fs/inode.h"

namespace fs {

class Dentry final : public RefCounted {
public:
    // directory may be null (only the inode is known: its path is searched for). Null when
    // out of memory; the file then shows the path a search finds.
    static RefPtr<Dentry> create(RefPtr<Inode> directory, std::string_view name, RefPtr<Inode> inode) {
        if (name.size() > kNameMax || !inode) return nullptr;
        auto* dentry = new (std::nothrow) Dentry(static_cast<RefPtr<Inode>&&>(directory), name,
                                                 static_cast<RefPtr<Inode>&&>(inode));
        return dentry ? RefPtr<Dentry>::adopt(dentry) : RefPtr<Dentry>();
    }

    Inode& inode() const { return *m_inode; }
    Inode* directory() const { return m_directory.get(); }
    std::string_view name() const { return {m_name, m_length}; }

private:
    Dentry(RefPtr<Inode> directory, std::string_view name, RefPtr<Inode> inode)
        : m_directory(static_cast<RefPtr<Inode>&&>(directory)), m_inode(static_cast<RefPtr<Inode>&&>(inode)),
          m_length(static_cast<u16>(name.size())) {
        memcpy(m_name, name.data(), name.size());
        m_name[name.size()] = '\0';
    }

    RefPtr<Inode> m_directory;
    RefPtr<Inode> m_inode;
    u16 m_length;
    char m_name[kNameMax + 1];
};

}  // namespace fs
