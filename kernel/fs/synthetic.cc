#include "fs/synthetic.h"

#include <cstring>
#include <new>

#include "fs/vfs.h"
#include "mm/heap.h"

namespace fs::synthetic {

namespace {

constexpr usize kMaxFilesystems = 8;
SyntheticFilesystem* g_filesystems[kMaxFilesystems];
kstd::Atomic<usize> g_filesystem_count{0};

// Writes into a caller's buffer without a terminating NUL (readlink), counting all.
class SpanSink final : public text::Sink {
public:
    SpanSink(char* out, usize capacity) : m_out(out), m_capacity(capacity) {}
    void write(std::string_view bytes) override {
        for (char c : bytes) {
            if (m_length < m_capacity) m_out[m_length] = c;
            m_length++;
        }
    }
    usize length() const { return m_length; }

private:
    char* m_out;
    usize m_capacity;
    usize m_length = 0;
};

// The open file of a text file: the content rendered at its first read.
class SnapshotFile final : public InodeFile {
public:
    using InodeFile::InodeFile;
    const char* kind() const override { return "file"; }

    Result<usize> read(const IoBuffer& buffer) override {
        MutexLocker lock(m_offset_lock);
        if (!m_rendered) {
            TRY(static_cast<RenderedFile&>(inode()).render(m_content));
            if (m_content.failed()) return Error(ENOMEM);
            m_rendered = true;
        }
        std::string_view text = m_content.view();
        if (m_offset >= text.size()) return 0;
        usize n = text.size() - m_offset < buffer.length ? text.size() - m_offset : buffer.length;
        TRY(buffer.copy_out(0, text.data() + m_offset, n));
        m_offset += n;
        return n;
    }
    Result<usize> write(const IoBuffer&) override { return Error(EBADF); }
    u32 poll_events() override { return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM; }

private:
    TextBuffer m_content;  // guarded by m_offset_lock
    bool m_rendered = false;
};

Timestamp g_mount_time;

}  // namespace

TextBuffer::~TextBuffer() { heap::free(m_data); }

void TextBuffer::write(std::string_view bytes) {
    if (m_failed || bytes.empty()) return;
    if (m_length + bytes.size() > m_capacity) {
        usize capacity = m_capacity ? m_capacity : 512;
        while (capacity < m_length + bytes.size()) capacity *= 2;
        if (capacity > kMaxBytes) {
            m_failed = true;
            return;
        }
        auto grown = heap::allocate(capacity, 1);
        if (grown.is_error()) {
            m_failed = true;
            return;
        }
        char* data = static_cast<char*>(grown.value());
        if (m_length) memcpy(data, m_data, m_length);
        heap::free(m_data);
        m_data = data;
        m_capacity = capacity;
    }
    memcpy(m_data + m_length, bytes.data(), bytes.size());
    m_length += bytes.size();
}

Node::Node(SyntheticFilesystem& filesystem, InodeType type, u64 ino, u32 permissions, std::string_view name)
    : Inode(filesystem, type, ino) {
    m_permissions = permissions;
    m_atime = m_mtime = m_ctime = g_mount_time;
    m_name_length = name.size() < kMaxName ? name.size() : kMaxName;
    memcpy(m_name, name.data(), m_name_length);
}

Directory::Directory(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Inode* parent, u32 permissions)
    : Node(filesystem, InodeType::Directory, ino, permissions, name) {
    m_parent = parent;
    m_nlink = 2;
}

Directory::~Directory() {
    while (Node* node = m_entries.pop_front()) node->unref();
}

void Directory::add_node(Node& node) {
    node.ref();
    node.m_parent = this;  // for path_of(); the VFS reads m_parent of directories only
    m_entries.push_back(node);
    if (node.is_directory()) m_nlink++;
}

Result<Directory*> Directory::add_directory(std::string_view name, u32 permissions) {
    if (name.size() > Node::kMaxName) return Error(ENAMETOOLONG);
    auto& fs = static_cast<SyntheticFilesystem&>(filesystem());
    auto* directory = new (std::nothrow) Directory(fs, fs.allocate_ino(), name, this, permissions);
    if (!directory) return Error(ENOMEM);
    add_node(*directory);
    directory->unref();  // the entry's reference remains
    return directory;
}

Result<void> Directory::add_file(std::string_view name, Render render, u64 argument, u32 permissions) {
    if (name.size() > Node::kMaxName) return Error(ENAMETOOLONG);
    auto& fs = static_cast<SyntheticFilesystem&>(filesystem());
    auto* file = new (std::nothrow) TextFile(fs, fs.allocate_ino(), name, render, argument, permissions);
    if (!file) return Error(ENOMEM);
    add_node(*file);
    file->unref();
    return {};
}

Result<void> Directory::add_link(std::string_view name, Render target, u64 argument) {
    if (name.size() > Node::kMaxName) return Error(ENAMETOOLONG);
    auto& fs = static_cast<SyntheticFilesystem&>(filesystem());
    auto* link = new (std::nothrow) Link(fs, fs.allocate_ino(), name, target, argument, nullptr);
    if (!link) return Error(ENOMEM);
    add_node(*link);
    link->unref();
    return {};
}

Result<void> Directory::add_static_link(std::string_view name, const char* target) {
    if (name.size() > Node::kMaxName) return Error(ENAMETOOLONG);
    auto& fs = static_cast<SyntheticFilesystem&>(filesystem());
    auto* link = new (std::nothrow) Link(fs, fs.allocate_ino(), name, nullptr, 0, target);
    if (!link) return Error(ENOMEM);
    add_node(*link);
    link->unref();
    return {};
}

Result<RefPtr<Inode>> Directory::lookup(std::string_view name) {
    Node* found = nullptr;
    m_entries.for_each([&](Node& node) {
        if (!found && node.name() == name) found = &node;
    });
    if (found) return RefPtr<Inode>(found);
    return lookup_dynamic(name);
}

Result<bool> Directory::read_dir(u64& cursor, DirEntry& out) {
    auto emit = [&](u64 ino, InodeType type, std::string_view name) {
        out.ino = ino;
        out.type = type;
        memcpy(out.name, name.data(), name.size());
        out.name[name.size()] = '\0';
        return true;
    };
    if (cursor == 0) {
        cursor = 1;
        return emit(ino(), InodeType::Directory, ".");
    }
    if (cursor == 1) {
        cursor = 2;
        return emit(m_parent ? m_parent->ino() : ino(), InodeType::Directory, "..");
    }
    u64 fixed = m_entries.size();
    if (cursor - 2 < fixed) {
        u64 index = cursor - 2, i = 0;
        Node* found = nullptr;
        m_entries.for_each([&](Node& node) {
            if (i++ == index) found = &node;
        });
        cursor++;
        return emit(found->ino(), found->type(), found->name());
    }
    u64 position = cursor - 2 - fixed;
    if (!next_dynamic(position, out)) return false;
    cursor = 2 + fixed + position;
    return true;
}

RenderedFile::RenderedFile(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, u32 permissions)
    : Node(filesystem, InodeType::Regular, ino, permissions, name) {}

u64 RenderedFile::size() { return static_cast<SyntheticFilesystem&>(filesystem()).file_size(); }

Result<usize> RenderedFile::read(u64 offset, const IoBuffer& buffer) {
    TextBuffer content;
    TRY(render(content));
    if (content.failed()) return Error(ENOMEM);
    std::string_view text = content.view();
    if (offset >= text.size()) return 0;
    usize n = text.size() - offset < buffer.length ? text.size() - offset : buffer.length;
    TRY(buffer.copy_out(0, text.data() + offset, n));
    return n;
}

Result<RefPtr<File>> RenderedFile::open(u32 flags) {
    if (flags & O_PATH) return open_inode_file(*this, flags);
    if ((flags & O_ACCMODE) != O_RDONLY) return Error(EACCES);
    TRY(may_open());
    auto* file = new (std::nothrow) SnapshotFile(RefPtr<Inode>(this), flags);
    if (!file) return Error(ENOMEM);
    return RefPtr<File>::adopt(file);
}

TextFile::TextFile(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Render render, u64 argument,
                   u32 permissions)
    : RenderedFile(filesystem, ino, name, permissions), m_render(render), m_argument(argument) {}

Link::Link(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Render target, u64 argument,
           const char* fixed_target)
    : Node(filesystem, InodeType::Symlink, ino, 0777, name), m_render(target), m_argument(argument),
      m_fixed_target(fixed_target) {}

u64 Link::size() {
    if (m_fixed_target) return strlen(m_fixed_target);
    return 0;  // procfs links report 0, as on Linux
}

Result<void> Link::render_target(text::Sink& out) {
    if (m_fixed_target)
        out.write(m_fixed_target);
    else
        m_render(out, m_argument);
    return {};
}

Result<usize> Link::readlink(char* out, usize capacity) {
    SpanSink sink(out, capacity);
    TRY(render_target(sink));
    return sink.length() < capacity ? sink.length() : capacity;
}

SyntheticFilesystem* SyntheticFilesystem::create(const char* name, u64 magic, u64 device, u64 file_size) {
    usize slot = g_filesystem_count.load();
    if (slot >= kMaxFilesystems) return nullptr;
    if (g_mount_time.seconds == 0) g_mount_time = now();
    auto* fs = new (std::nothrow) SyntheticFilesystem(name, magic, device, file_size);
    if (!fs) return nullptr;
    auto* root = new (std::nothrow) Directory(*fs, 1, "", nullptr, 0555);
    if (!root) {
        delete fs;
        return nullptr;
    }
    fs->m_root = RefPtr<Inode>::adopt(root);
    g_filesystems[slot] = fs;
    g_filesystem_count.store(slot + 1);
    return fs;
}

bool is_synthetic(Filesystem& filesystem) {
    usize n = g_filesystem_count.load();
    for (usize i = 0; i < n && i < kMaxFilesystems; i++)
        if (g_filesystems[i] == &filesystem) return true;
    return false;
}

Result<usize> path_of(Inode& inode, char* out, usize capacity) {
    if (!is_synthetic(inode.filesystem())) return Error(ENOENT);
    auto& filesystem = static_cast<SyntheticFilesystem&>(inode.filesystem());
    // The mount point first.
    MountInfo mounts[32];
    usize count = fs::mounts(mounts, 32);
    const char* mount_path = nullptr;
    for (usize i = 0; i < count; i++)
        if (mounts[i].filesystem == &filesystem) mount_path = mounts[i].path;
    if (!mount_path) return Error(ENOENT);
    // Then the names from the root down: collected bottom-up.
    const Node* chain[64];
    usize depth = 0;
    Inode* root = filesystem.root().get();
    for (Inode* walk = &inode; walk != root; walk = walk->m_parent) {
        if (!walk || depth == 64) return Error(ENAMETOOLONG);
        chain[depth++] = static_cast<Node*>(walk);
    }
    text::BufferSink sink(out, capacity);
    std::string_view base(mount_path);
    if (base == "/" && depth) base = "";
    sink.write(base);
    while (depth) {
        sink.write("/");
        sink.write(chain[--depth]->name());
    }
    if (sink.truncated()) return Error(ENAMETOOLONG);
    return sink.view().size();
}

}  // namespace fs::synthetic
