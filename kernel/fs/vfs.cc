#include "fs/vfs.h"

#include <cstring>

#include "fs/inode_file.h"
#include "mm/heap.h"
#include "text/format.h"

namespace fs {

namespace {

constexpr int kMaxSymlinks = 40;
constexpr usize kMaxMounts = 32;

RefPtr<Inode> g_root;
struct Mount {
    char path[256];
    Filesystem* filesystem;
    RefPtr<Inode> covered;  // the directory it is mounted on (null for "/")
};
Mount g_mounts[kMaxMounts];
usize g_mount_count = 0;
Mutex g_mounts_lock{"mounts"};

// The inode a directory entry leads to: the root of what is mounted there, if anything.
RefPtr<Inode> cross_mounts(RefPtr<Inode> inode) {
    while (inode && inode->m_mounted) inode = inode->m_mounted;
    return inode;
}

RefPtr<Inode> parent_of(Inode& directory) {
    if (&directory == g_root.get()) return g_root;
    if (!directory.m_parent) return RefPtr<Inode>(&directory);
    return cross_mounts(RefPtr<Inode>(directory.m_parent));
}

// Walks a path one component at a time. A symlink's target replaces the components
// walked so far into it, in one heap buffer: no recursion, so a chain of 40 links costs no
// kernel stack.
class Walker {
public:
    ~Walker() { heap::free(m_buffer); }

    // Walks `path` from `start`. With parent_out, stops before the last component and
    // describes it there. name_out: the name the result was reached by.
    Result<RefPtr<Inode>> walk(RefPtr<Inode> start, std::string_view path, bool follow_last, ParentPath* parent_out,
                               RefPtr<Dentry>* name_out = nullptr) {
        if (path.empty()) return Error(ENOENT);
        if (path.size() >= kPathMax) return Error(ENAMETOOLONG);
        m_buffer = static_cast<char*>(TRY(heap::allocate(2 * kPathMax)));
        memcpy(m_buffer, path.data(), path.size());
        std::string_view remaining(m_buffer, path.size());
        int symlinks_left = kMaxSymlinks;
        RefPtr<Inode> current = remaining[0] == '/' ? g_root : start;
        usize i = 0;
        for (;;) {
            while (i < remaining.size() && remaining[i] == '/') i++;
            if (i >= remaining.size()) {
                // The path ended in slashes (or was "/"): what we have must be a directory.
                if (parent_out) return Error(EEXIST);  // mkdir("/"): nothing to create
                if (!current->is_directory()) return Error(ENOTDIR);
                if (name_out) *name_out = nullptr;
                return current;
            }
            usize name_start = i;
            while (i < remaining.size() && remaining[i] != '/') i++;
            std::string_view name(remaining.data() + name_start, i - name_start);
            if (name.size() > kNameMax) return Error(ENAMETOOLONG);
            usize after = i;
            while (after < remaining.size() && remaining[after] == '/') after++;
            bool last = after >= remaining.size();
            bool trailing_slash = after > i;
            if (!current->is_directory()) return Error(ENOTDIR);
            if (last && parent_out) {
                parent_out->directory = current;
                memcpy(parent_out->name, name.data(), name.size());
                parent_out->name[name.size()] = '\0';
                parent_out->name_length = name.size();
                parent_out->trailing_slash = trailing_slash;
                return current;
            }
            RefPtr<Inode> next;
            bool looked_up = false;  // reached by its name in `current`
            if (name == ".")
                next = current;
            else if (name == "..")
                next = parent_of(*current);
            else
                next = cross_mounts(TRY(current->lookup(name))), looked_up = true;
            if (next->type() == InodeType::Symlink && (!last || follow_last || trailing_slash)) {
                if (--symlinks_left < 0) return Error(ELOOP);
                RefPtr<File> opened = next->magic_link();
                // A magic link leads to the open file's own inode, named as it was opened,
                // or for a pipe to an inode whose open(2) opens the pipe anew, as Linux does
                // (bash's <(...) hands out /dev/fd/63). Other files without an inode (the
                // console) are followed by their text instead.
                // FIXME: so anonymous inodes (eventfd, epoll) fail with ENOENT where Linux
                // refuses them with ENXIO.
                if (RefPtr<Inode> target = opened && !opened->inode_file() ? opened->reopen_target() : nullptr) {
                    if (!last || trailing_slash) return Error(ENOTDIR);
                    if (name_out) *name_out = nullptr;
                    return target;
                }
                if (InodeFile* inode_file = opened ? opened->inode_file() : nullptr) {
                    next = inode_file->inode_ref();
                    if (!last) {
                        current = next;
                        continue;
                    }
                    if (trailing_slash && !next->is_directory()) return Error(ENOTDIR);
                    if (name_out) *name_out = inode_file->dentry_ref();
                    return next;
                }
                // new path = target + what follows the link's name.
                char* scratch = m_buffer + kPathMax;
                usize length = TRY(next->readlink(scratch, kPathMax));
                if (length == 0) return Error(ENOENT);
                usize rest = remaining.size() - i;
                if (length + rest >= kPathMax) return Error(ENAMETOOLONG);
                memmove(scratch + length, remaining.data() + i, rest);
                memcpy(m_buffer, scratch, length + rest);
                remaining = std::string_view(m_buffer, length + rest);
                i = 0;
                if (remaining[0] == '/') current = g_root;
                continue;
            }
            if (last) {
                if (trailing_slash && !next->is_directory()) return Error(ENOTDIR);
                if (name_out) *name_out = looked_up ? Dentry::create(current, name, next) : nullptr;
                return next;
            }
            current = next;
        }
    }

private:
    char* m_buffer = nullptr;  // [0, kPathMax): the path being walked; then scratch
};

}  // namespace

Result<void> init_root(RefPtr<Inode> root) {
    g_root = root;
    MutexLocker lock(g_mounts_lock);
    g_mounts[0].path[0] = '/';
    g_mounts[0].path[1] = '\0';
    g_mounts[0].filesystem = &root->filesystem();
    g_mount_count = 1;
    return {};
}

RefPtr<Inode> root() { return g_root; }

Result<void> mount(std::string_view path, Filesystem& filesystem) {
    auto directory = TRY(resolve(*g_root, path));
    return mount_on(directory, filesystem);
}

Result<void> mount_on(RefPtr<Inode> directory, Filesystem& filesystem, MountFlags flags) {
    if (!directory->is_directory()) return Error(ENOTDIR);
    char path[256];
    usize length = TRY(path_of_directory(*directory, path, sizeof path - 1));
    MutexLocker lock(g_mounts_lock);
    if (g_mount_count >= kMaxMounts) return Error(ENOMEM);
    for (usize i = 0; i < g_mount_count; i++)
        if (g_mounts[i].filesystem == &filesystem) return Error(EBUSY);  // one place per file system
    filesystem.no_exec = flags.no_exec;
    filesystem.no_dev = flags.no_dev;
    RefPtr<Inode> mounted = filesystem.root();
    mounted->m_parent = directory->m_parent ? directory->m_parent : directory.get();
    directory->m_mounted = mounted;
    Mount& m = g_mounts[g_mount_count++];
    memcpy(m.path, path, length);
    m.path[length] = '\0';
    m.filesystem = &filesystem;
    m.covered = directory;
    return {};
}

namespace {
Result<Filesystem*> take_off(Inode& mounted_root, bool (*busy)(Filesystem& filesystem)) {
    MutexLocker lock(g_mounts_lock);
    for (usize i = 1; i < g_mount_count; i++) {
        Mount& m = g_mounts[i];
        if (m.filesystem->root().get() != &mounted_root) continue;
        // Another file system mounted inside it (or on top of it) goes first.
        for (usize j = i + 1; j < g_mount_count; j++)
            if (&g_mounts[j].covered->filesystem() == m.filesystem || g_mounts[j].covered.get() == &mounted_root)
                return Error(EBUSY);
        if (busy && busy(*m.filesystem)) return Error(EBUSY);
        m.covered->m_mounted = nullptr;
        for (usize j = i; j + 1 < g_mount_count; j++) {
            memcpy(g_mounts[j].path, g_mounts[j + 1].path, sizeof g_mounts[j].path);
            g_mounts[j].filesystem = g_mounts[j + 1].filesystem;
            g_mounts[j].covered = g_mounts[j + 1].covered;
        }
        Filesystem* gone = m.filesystem;
        g_mount_count--;
        g_mounts[g_mount_count].covered = nullptr;
        return gone;
    }
    return Error(EINVAL);  // not a mount point ("/" cannot go)
}
}  // namespace

Result<void> unmount(Inode& mounted_root, bool (*busy)(Filesystem& filesystem)) {
    // Told outside the mounts lock: a disk's file system writes and flushes then.
    Filesystem* gone = TRY(take_off(mounted_root, busy));
    gone->unmounted();
    return {};
}

usize mounts(MountInfo* out, usize capacity) {
    MutexLocker lock(g_mounts_lock);
    usize n = g_mount_count < capacity ? g_mount_count : capacity;
    for (usize i = 0; i < n; i++) out[i] = {g_mounts[i].path, g_mounts[i].filesystem};
    return n;
}

Result<RefPtr<Inode>> resolve(Inode& start, std::string_view path, bool follow_last, RefPtr<Dentry>* name_out) {
    Walker walker;
    return walker.walk(RefPtr<Inode>(&start), path, follow_last, nullptr, name_out);
}

Result<void> resolve_parent(Inode& start, std::string_view path, ParentPath& out) {
    Walker walker;
    TRY(walker.walk(RefPtr<Inode>(&start), path, false, &out));
    return {};
}

Result<usize> path_of_directory(Inode& directory, char* out, usize capacity) {
    // Walk up to the root, finding each directory's name in its parent.
    char scratch[kPathMax];
    usize at = sizeof scratch;
    scratch[--at] = '\0';
    RefPtr<Inode> current(&directory);
    for (int depth = 0; current.get() != g_root.get(); depth++) {
        if (depth > 256) return Error(ENAMETOOLONG);
        RefPtr<Inode> parent = parent_of(*current);
        if (parent.get() == current.get()) break;
        // The directory's own inode may be a mounted root: its name is the mountpoint's.
        bool found = false;
        DirEntry entry;
        for (u64 cursor = 2;;) {
            auto more = parent->read_dir(cursor, entry);
            if (more.is_error() || !more.value()) break;
            auto child = parent->lookup(entry.name);
            if (child.is_error()) continue;
            if (child.value().get() == current.get() || cross_mounts(child.value()).get() == current.get()) {
                found = true;
                break;
            }
        }
        if (!found) return Error(ENOENT);  // removed from the tree
        usize length = strlen(entry.name);
        if (at < length + 1) return Error(ENAMETOOLONG);
        at -= length;
        memcpy(scratch + at, entry.name, length);
        scratch[--at] = '/';
        current = parent;
    }
    if (at == sizeof scratch - 1) scratch[--at] = '/';
    usize length = sizeof scratch - 1 - at;
    if (length + 1 > capacity) return Error(ERANGE);
    memcpy(out, scratch + at, length + 1);
    return length;
}

namespace {

// Depth-first search of `directory` (whose path is out[0, length)) for `target`, staying on
// the target's file system. budget bounds the entries looked at.
bool search_tree(Inode& directory, Inode& target, char* out, usize capacity, usize length, int depth, usize& budget,
                 usize& found_length) {
    DirEntry entry;
    for (u64 cursor = 2; budget;) {
        auto more = directory.read_dir(cursor, entry);
        if (more.is_error() || !more.value()) return false;
        budget--;
        auto child = directory.lookup(entry.name);
        if (child.is_error()) continue;
        Inode& inode = *child.value();
        if (inode.m_mounted) continue;  // another file system's tree shows there
        usize name_length = strlen(entry.name);
        if (length + 1 + name_length >= capacity) continue;
        out[length] = '/';
        memcpy(out + length + 1, entry.name, name_length);
        if (&inode == &target) {
            found_length = length + 1 + name_length;
            return true;
        }
        if (inode.is_directory() && depth < 12 &&
            search_tree(inode, target, out, capacity, length + 1 + name_length, depth + 1, budget, found_length))
            return true;
    }
    return false;
}

}  // namespace

Result<usize> search_path(Inode& inode, char* out, usize capacity) {
    MountInfo list[kMaxMounts];
    usize count = mounts(list, kMaxMounts);
    usize budget = 20000;
    for (usize i = 0; i < count; i++) {
        if (list[i].filesystem != &inode.filesystem()) continue;
        RefPtr<Inode> top = list[i].filesystem->root();
        usize length = strlen(list[i].path);
        if (length == 1) length = 0;  // "/": the names follow
        if (length >= capacity) continue;
        memcpy(out, list[i].path, length);
        if (top.get() == &inode) {
            if (length == 0) out[length++] = '/';
            return length;
        }
        usize found = 0;
        if (search_tree(*top, inode, out, capacity, length, 0, budget, found)) return found;
    }
    return Error(ENOENT);
}

Result<usize> path_of(const Dentry& name, char* out, usize capacity) {
    Inode& inode = name.inode();
    if (inode.is_directory()) {
        // A directory's path comes from the tree; a removed one keeps its old name.
        auto length = path_of_directory(inode, out, capacity);
        if (length.is_ok() || !name.directory()) return length;
    }
    u64 links;
    {
        MutexLocker lock(inode.m_lock);
        links = inode.m_nlink;
    }
    bool named = false;
    if (name.directory() && links > 0) {
        auto found = name.directory()->lookup(name.name());
        named = found.is_ok() && cross_mounts(found.value()).get() == &inode;
    }
    // Renamed since it was opened (or opened by no name): where it is now.
    if (!named && links > 0 && !inode.is_directory())
        if (auto found = search_path(inode, out, capacity); found.is_ok()) return found;
    if (!name.directory()) return Error(ENOENT);
    usize length = TRY(path_of_directory(*name.directory(), out, capacity));
    text::BufferSink sink(out + length, capacity - length);
    if (length != 1) sink.write("/");  // not after "/" itself
    sink.write(name.name());
    if (!named) sink.write(" (deleted)");
    if (sink.truncated()) return Error(ENAMETOOLONG);
    return length + sink.view().size();
}

}  // namespace fs
