#include "fs/initramfs.h"

#include "cpio/newc.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/log.h"
#include "mm/heap.h"

namespace initramfs {

namespace {
std::span<const u8> g_archive;

// Archive names are relative ("usr/bin/x", or "./usr/bin/x" from find|cpio).
bool same_path(std::string_view stored, std::string_view wanted) {
    auto relative = cpio::relative_path(stored);
    if (!relative) return false;
    while (!wanted.empty() && wanted.front() == '/') wanted.remove_prefix(1);
    return *relative == wanted;
}
}  // namespace

Result<void> init(std::span<const u8> archive) {
    cpio::Diagnosis diagnosis{};
    auto count = cpio::count_entries(archive, &diagnosis);
    if (count.is_error()) {
        klog::error("initramfs: {} at offset {}", diagnosis.reason ? diagnosis.reason : "malformed", diagnosis.offset);
        return Error(count.error());
    }
    g_archive = archive;
    klog::info("initramfs: {} entries, {} KiB", count.value(), archive.size() / KiB);
    return {};
}

bool present() { return !g_archive.empty(); }

bool holds(const void* address, usize length) {
    auto at = reinterpret_cast<uptr>(address), start = reinterpret_cast<uptr>(g_archive.data());
    return at >= start && at - start <= g_archive.size() && length <= g_archive.size() - (at - start);
}

Result<FileData> find(std::string_view path) {
    cpio::Reader reader(g_archive);
    for (;;) {
        auto next = reader.next();
        if (next.is_error()) return Error(EIO);
        if (!next.value()) return Error(ENOENT);
        const cpio::Entry& entry = *next.value();
        if (!same_path(entry.name, path)) continue;
        if (entry.is_directory()) return Error(EISDIR);
        if (!entry.is_regular()) return Error(EACCES);
        return FileData{entry.data, entry.mode};
    }
}

namespace {

// The archive's entries in order, each with its path relative to "/" ("" for the root
// itself); entries whose names cannot be made relative are skipped. No archive at all (a
// boot without an initramfs, whose files all come from the overlay) has no entries.
template <typename F>
Result<void> for_each_entry(std::span<const u8> archive, F&& f) {
    if (archive.empty()) return {};
    cpio::Reader reader(archive);
    for (;;) {
        auto next = reader.next();
        if (next.is_error()) return Error(EIO);
        if (!next.value()) return {};
        const cpio::Entry& entry = *next.value();
        auto relative = cpio::relative_path(entry.name);
        if (relative) TRY(f(entry, *relative));
    }
}

// "a/b/c" as "a/b" and "c"; "c" as "" and "c".
struct SplitPath {
    std::string_view parent, name;
};
SplitPath split_path(std::string_view path) {
    usize slash = path.rfind('/');
    if (slash == std::string_view::npos) return {{}, path};
    return {path.substr(0, slash), path.substr(slash + 1)};
}

// The directory for `path`'s parent, creating missing ones.
Result<RefPtr<fs::Inode>> ensure_directory(fs::Inode& root, std::string_view path) {
    RefPtr<fs::Inode> current(&root);
    usize i = 0;
    while (i < path.size()) {
        usize start = i;
        while (i < path.size() && path[i] != '/') i++;
        std::string_view name(path.data() + start, i - start);
        while (i < path.size() && path[i] == '/') i++;
        if (name.empty() || name == ".") continue;
        auto found = current->lookup(name);
        if (found.is_ok()) {
            current = found.value();
        } else {
            current = TRY(current->create(name, fs::InodeType::Directory, 0755, 0, 0));
        }
        if (!current->is_directory()) return Error(ENOTDIR);
    }
    return current;
}

}  // namespace

struct DirectoryTime {
    fs::Inode* directory;  // kept alive by the tree
    u32 mtime;
};
DirectoryTime* g_directory_times = nullptr;
usize g_directory_time_count = 0, g_directory_time_capacity = 0;

void remember_directory_time(RefPtr<fs::Inode>& directory, u32 mtime) {
    if (g_directory_time_count == g_directory_time_capacity) {
        usize capacity = g_directory_time_capacity ? g_directory_time_capacity * 2 : 64;
        auto grown = heap::allocate(capacity * sizeof(DirectoryTime));
        if (grown.is_error()) return;  // times stay "now": nothing worse
        auto* times = static_cast<DirectoryTime*>(grown.value());
        for (usize i = 0; i < g_directory_time_count; i++) times[i] = g_directory_times[i];
        heap::free(g_directory_times);
        g_directory_times = times;
        g_directory_time_capacity = capacity;
    }
    g_directory_times[g_directory_time_count++] = {directory.get(), mtime};
}

void apply_directory_times() {
    for (usize i = 0; i < g_directory_time_count; i++) {
        fs::Inode* d = g_directory_times[i].directory;
        d->m_mtime = d->m_ctime = d->m_atime = {g_directory_times[i].mtime, 0};
    }
    heap::free(g_directory_times);
    g_directory_times = nullptr;
    g_directory_time_count = g_directory_time_capacity = 0;
}

// The inodes of hard-linked files seen so far, by archive inode number: later names of
// the same file join the first. Only entries with nlink > 1 are kept, so the table stays
// as small as the archive's hard links.
struct LinkedFile {
    u32 ino;
    fs::Inode* inode;  // kept alive by the tree
};
LinkedFile* g_linked = nullptr;
usize g_linked_count = 0, g_linked_capacity = 0;

fs::Inode* find_linked(u32 ino) {
    for (usize i = 0; i < g_linked_count; i++)
        if (g_linked[i].ino == ino) return g_linked[i].inode;
    return nullptr;
}

Result<void> remember_linked(u32 ino, fs::Inode& inode) {
    if (g_linked_count == g_linked_capacity) {
        usize capacity = g_linked_capacity ? g_linked_capacity * 2 : 16;
        auto* grown = static_cast<LinkedFile*>(TRY(heap::allocate(capacity * sizeof(LinkedFile))));
        for (usize i = 0; i < g_linked_count; i++) grown[i] = g_linked[i];
        heap::free(g_linked);
        g_linked = grown;
        g_linked_capacity = capacity;
    }
    g_linked[g_linked_count++] = {ino, &inode};
    return {};
}

void forget_linked() {
    heap::free(g_linked);
    g_linked = nullptr;
    g_linked_count = g_linked_capacity = 0;
}

// A regular file entry: a new backed file, or another name of a hard-linked one. Linux's
// initramfs accepts the data with any name of a group (GNU cpio stores it with the last,
// Osprey with the first), so this does too.
Result<RefPtr<fs::Inode>> add_regular(fs::RamFilesystem& rootfs, fs::Inode& parent, std::string_view name,
                                      const cpio::Entry& entry) {
    if (entry.nlink > 1) {
        if (fs::Inode* first = find_linked(entry.ino)) {
            TRY(parent.link(name, *first));
            if (!entry.data.empty()) TRY(fs::RamFilesystem::back_empty_file(*first, entry.data));
            return RefPtr<fs::Inode>(first);
        }
    }
    auto inode = TRY(rootfs.create_backed_file(parent, name, entry.permissions(), entry.uid, entry.gid, entry.data));
    if (entry.nlink > 1) TRY(remember_linked(entry.ino, *inode));
    return inode;
}

Result<void> populate_root() {
    auto* rootfs = fs::RamFilesystem::create("rootfs", 1);
    if (!rootfs) return Error(ENOMEM);
    RefPtr<fs::Inode> root = rootfs->root();
    TRY(fs::init_root(root));
    usize files = 0;
    TRY(for_each_entry(g_archive, [&](const cpio::Entry& entry, std::string_view path) -> Result<void> {
        if (path.empty()) {
            if (entry.is_directory()) root->m_permissions = entry.permissions();
            return {};
        }
        SplitPath split = split_path(path);
        auto parent = TRY(ensure_directory(*root, split.parent));
        if (entry.is_directory()) {
            auto existing = parent->lookup(split.name);
            RefPtr<fs::Inode> dir = existing.is_ok() ? existing.value()
                                                     : TRY(parent->create(split.name, fs::InodeType::Directory, entry.permissions(), entry.uid, entry.gid));
            dir->m_permissions = entry.permissions();
            dir->m_uid = entry.uid;
            dir->m_gid = entry.gid;
            // Its time is set once everything is unpacked: adding entries would change it.
            remember_directory_time(dir, entry.mtime);
            return {};
        }
        RefPtr<fs::Inode> inode;
        if (entry.is_symlink()) {
            inode = TRY(parent->symlink(split.name, entry.symlink_target(), entry.uid, entry.gid));
        } else if (entry.is_regular()) {
            inode = TRY(add_regular(*rootfs, *parent, split.name, entry));
            files++;
        } else {
            return {};  // device nodes and fifos in the archive: devfs provides the devices
        }
        inode->m_mtime = inode->m_ctime = inode->m_atime = {entry.mtime, 0};
        return {};
    }));
    apply_directory_times();
    forget_linked();
    klog::info("rootfs: {} files from the initramfs, served in place", files);
    return {};
}

namespace {

// The directory at `path` on the root, through its symlinks (a disk's /bin may be a
// link to usr/bin, as on the host), created where missing.
Result<RefPtr<fs::Inode>> directory_through_links(fs::Inode& root, std::string_view path) {
    RefPtr<fs::Inode> current(&root);
    while (!path.empty()) {
        usize slash = path.find('/');
        std::string_view name = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        if (name.empty() || name == ".") continue;
        auto found = fs::resolve(*current, name);
        if (found.is_error() && found.error() != ENOENT) return Error(found.error());
        current = found.is_ok() ? found.value() : TRY(current->create(name, fs::InodeType::Directory, 0755, 0, 0));
        if (!current->is_directory()) return Error(ENOTDIR);
    }
    return current;
}

// One archive entry copied onto the root (a disk's, or the ramfs populate_root built). A
// directory there is kept (a symlink to one followed) and given the entry's mode; a file
// or symlink there is replaced by a new one, unlinked first: another name of it keeps its
// bytes, and a ramfs file served from the initramfs's pages is let go, never written (its
// pages stay the archive's). The new file's data is copied, so the archive may go after.
Result<void> copy_entry(fs::Inode& root, const cpio::Entry& entry, std::string_view path) {
    SplitPath split = split_path(path);
    std::string_view name = split.name;
    auto parent = TRY(directory_through_links(root, split.parent));
    fs::AttributeChange times;
    times.atime = times.mtime = fs::Timestamp{entry.mtime, 0};
    if (entry.is_directory()) {
        auto dir = TRY(directory_through_links(*parent, name));
        fs::AttributeChange mode;
        mode.permissions = entry.permissions();
        return dir->change_attributes(mode);
    }
    if (!entry.is_symlink() && !entry.is_regular()) return {};  // devfs provides the devices
    if (auto existing = parent->lookup(name); existing.is_ok()) {
        if (existing.value()->is_directory()) return Error(EISDIR);
        TRY(parent->unlink(name, false));
    }
    if (entry.is_symlink()) {
        auto link = TRY(parent->symlink(name, entry.symlink_target(), entry.uid, entry.gid));
        return link->change_attributes(times);
    }
    if (entry.nlink > 1) {
        if (fs::Inode* first = find_linked(entry.ino)) {
            TRY(parent->link(name, *first));
            if (entry.data.empty()) return {};
            TRY(first->truncate(0));
            TRY(first->write(0, fs::IoBuffer::kernel(const_cast<u8*>(entry.data.data()), entry.data.size())));
            return first->change_attributes(times);
        }
    }
    auto file = TRY(parent->create(name, fs::InodeType::Regular, entry.permissions(), entry.uid, entry.gid));
    if (entry.nlink > 1) TRY(remember_linked(entry.ino, *file));
    for (usize done = 0; done < entry.data.size();) {
        usize n = TRY(file->write(done, fs::IoBuffer::kernel(const_cast<u8*>(entry.data.data()) + done,
                                                              entry.data.size() - done)));
        if (n == 0) return Error(EIO);
        done += n;
    }
    return file->change_attributes(times);
}

}  // namespace

Result<void> copy_onto_root(std::span<const u8> archive, std::string_view source) {
    RefPtr<fs::Inode> root = fs::root();
    usize entries = 0;
    auto copied = for_each_entry(archive, [&](const cpio::Entry& entry, std::string_view path) -> Result<void> {
        if (path.empty()) return {};
        if (auto done = copy_entry(*root, entry, path); done.is_error()) {
            klog::error("rootfs: cannot copy /{} from {} onto /: {}", path, source, err::name(done.error()));
            return done;
        }
        entries++;
        return {};
    });
    forget_linked();
    TRY(copied);
    klog::info("rootfs: {} entries of {} copied onto /", entries, source);
    return {};
}

Result<void> copy_onto_root() { return copy_onto_root(g_archive, "the initramfs"); }

}  // namespace initramfs
