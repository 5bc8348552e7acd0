// Building blocks of the file systems whose files the kernel makes up (devfs, procfs,
// sysfs): directories with a fixed set of entries plus optional entries made at read time
// (the pids of /proc, /proc/<pid>/fd), text files rendered when read, and symlinks whose
// target is rendered when read.
//
// A text file is rendered once per open(2), at its first read, into a buffer the open file
// keeps, so a reader sees one consistent snapshot however small its reads; pread renders
// afresh. Both as Linux's seq_file does: a /proc/<pid> file opened before its process was
// reaped fails its first read with ESRCH. st_size of these files is 0 (procfs) or 4096
// (sysfs), as on Linux.
//
// Locking: the fixed entries of a directory are added while its file system is built,
// before it is mounted, and never change after: reading them takes no lock. Dynamic
// entries are made by the directory's own code under the locks of what they show.
#pragma once

#include <string_view>

#include "fs/inode_file.h"
#include "text/format.h"

namespace fs::synthetic {

// A Sink that grows on the heap (up to kMaxBytes; beyond that it marks itself failed).
class TextBuffer final : public text::Sink {
public:
    static constexpr usize kMaxBytes = 8 * MiB;
    TextBuffer() = default;
    TextBuffer(const TextBuffer&) = delete;
    TextBuffer& operator=(const TextBuffer&) = delete;
    ~TextBuffer();
    void write(std::string_view bytes) override;
    void write_bytes(const void* bytes, usize length) { write({static_cast<const char*>(bytes), length}); }
    std::string_view view() const { return {m_data, m_length}; }
    bool failed() const { return m_failed; }

private:
    char* m_data = nullptr;
    usize m_length = 0, m_capacity = 0;
    bool m_failed = false;
};

// Renders a file's content or a link's target; `argument` tells instances apart (a thread
// ID, a descriptor number).
using Render = void (*)(text::Sink& out, u64 argument);

class SyntheticFilesystem;

// Every inode of these file systems: it knows its name and directory, so its path can be
// given (/proc/self/fd links, getcwd).
class Node : public Inode {
public:
    static constexpr usize kMaxName = 31;
    std::string_view name() const { return {m_name, m_name_length}; }
    ListNode m_sibling;  // in the parent directory's fixed entries
    // A node made at read time (a /proc/self/fd link, a task's directory) keeps its
    // directory alive: m_parent is a plain pointer. Fixed entries never do (no cycles).
    void keep_parent(Inode& parent) {
        m_parent = &parent;
        m_parent_ref = RefPtr<Inode>(&parent);
    }

protected:
    Node(SyntheticFilesystem& filesystem, InodeType type, u64 ino, u32 permissions, std::string_view name);

private:
    RefPtr<Inode> m_parent_ref;
    char m_name[kMaxName + 1] = {};
    usize m_name_length = 0;
};

class Directory;

// Entries of a directory made at read time by plain functions (the pids in /proc's root);
// a directory with state of its own overrides lookup_dynamic and next_dynamic instead.
struct DynamicEntries {
    Result<RefPtr<Inode>> (*lookup)(Directory& directory, std::string_view name);
    // As Directory::next_dynamic.
    bool (*next)(Directory& directory, u64& position, DirEntry& out);
};

class Directory : public Node {
public:
    Directory(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Inode* parent, u32 permissions = 0555);
    ~Directory() override;

    // Building the fixed entries (before mounting). Names longer than Node::kMaxName are
    // refused with ENAMETOOLONG.
    Result<Directory*> add_directory(std::string_view name, u32 permissions = 0555);
    Result<void> add_file(std::string_view name, Render render, u64 argument = 0, u32 permissions = 0444);
    Result<void> add_link(std::string_view name, Render target, u64 argument = 0);
    Result<void> add_static_link(std::string_view name, const char* target);
    // Any other node (devices).
    void add_node(Node& node);
    // Entries listed after the fixed ones (before mounting; `entries` outlives the directory).
    void set_dynamic(const DynamicEntries& entries) { m_dynamic = &entries; }

    Result<RefPtr<Inode>> lookup(std::string_view name) override;
    Result<bool> read_dir(u64& cursor, DirEntry& out) override;

protected:
    // Entries made at read time. next_dynamic: the first entry at or after `position`
    // (which starts at 0); advances position past it. false when there are no more.
    virtual Result<RefPtr<Inode>> lookup_dynamic(std::string_view name) {
        return m_dynamic ? m_dynamic->lookup(*this, name) : Error(ENOENT);
    }
    virtual bool next_dynamic(u64& position, DirEntry& out) {
        return m_dynamic ? m_dynamic->next(*this, position, out) : false;
    }

private:
    IntrusiveList<Node, &Node::m_sibling> m_entries;  // fixed after mounting; holds a reference each
    const DynamicEntries* m_dynamic = nullptr;
};

// A file whose content is rendered when it is read: by a Render function (TextFile) or by
// a subclass that knows what it shows (a process's files).
class RenderedFile : public Node {
public:
    u64 size() override;
    Result<usize> read(u64 offset, const IoBuffer& buffer) override;
    Result<usize> write(u64, const IoBuffer&) override { return Error(EACCES); }
    Result<RefPtr<File>> open(u32 flags) override;
    // The whole content (what one open(2) sees); an error reaches the read(2).
    virtual Result<void> render(text::Sink& out) = 0;

protected:
    RenderedFile(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, u32 permissions);
    // What open(2) checks beyond the access mode (ptrace access to another's process).
    virtual Result<void> may_open() { return {}; }
};

class TextFile final : public RenderedFile {
public:
    TextFile(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Render render, u64 argument,
             u32 permissions);
    Result<void> render(text::Sink& out) override {
        m_render(out, m_argument);
        return {};
    }

private:
    Render m_render;
    u64 m_argument;
};

class Link : public Node {
public:
    Link(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Render target, u64 argument,
         const char* fixed_target);
    u64 size() override;
    Result<usize> readlink(char* out, usize capacity) override;
    // The target; an error (ENOENT for a process that is gone) reaches readlink(2).
    virtual Result<void> render_target(text::Sink& out);

private:
    Render m_render;
    u64 m_argument;
    const char* m_fixed_target;
};

class SyntheticFilesystem final : public Filesystem {
public:
    // name: what /proc/mounts shows as the type ("proc", "sysfs", "devtmpfs").
    static SyntheticFilesystem* create(const char* name, u64 magic, u64 device, u64 file_size);
    const char* name() const override { return m_name; }
    u64 magic() const override { return m_magic; }
    RefPtr<Inode> root() override { return m_root; }
    Directory& root_directory() { return *static_cast<Directory*>(m_root.get()); }
    // The st_size its text files report.
    u64 file_size() const { return m_file_size; }

private:
    SyntheticFilesystem(const char* name, u64 magic, u64 device, u64 file_size)
        : Filesystem(device), m_name(name), m_magic(magic), m_file_size(file_size) {}
    const char* m_name;
    u64 m_magic;
    u64 m_file_size;
    RefPtr<Inode> m_root;
};

// Whether a file system is one of these (its inodes are Nodes).
bool is_synthetic(Filesystem& filesystem);

// The absolute path of a node of these file systems (its mount point, then its names), or
// ENOENT when the inode is not one of theirs.
Result<usize> path_of(Inode& inode, char* out, usize capacity);

// Device numbers of these file systems' st_dev (anonymous block devices, 0:N as on Linux).
constexpr u64 kDevfsDevice = 5, kProcfsDevice = 21, kSysfsDevice = 22;

}  // namespace fs::synthetic
