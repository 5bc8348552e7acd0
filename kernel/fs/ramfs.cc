#include "fs/ramfs.h"

#include "mm/user_memory.h"

#include <cstring>
#include <new>

#include "arch/x86_64/layout.h"
#include "fs/initramfs.h"
#include "mm/frames.h"
#include "mm/heap.h"

namespace fs {

namespace {

constexpr u64 kPage = 4096;
constexpr u64 RAMFS_MAGIC = 0x858458f6, TMPFS_MAGIC = 0x01021994;
constexpr u32 RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;

class RamInode;

struct Entry {
    ListNode node;
    RefPtr<Inode> inode;
    u16 length;
    char name[kNameMax + 1];
    std::string_view view() const { return {name, length}; }
};

class RamInode final : public Inode {
public:
    RamInode(Filesystem& fs, InodeType type, u64 ino) : Inode(fs, type, ino) {}
    ~RamInode() override {
        while (Entry* e = m_entries.pop_front()) delete e;
        release_pages(0);
        heap::free(m_pages);
        heap::free(m_target);
    }

    u64 size() override {
        MutexLocker lock(m_lock);
        if (type() == InodeType::Symlink) return m_target_length;
        if (type() == InodeType::Directory) return 4096;
        return m_size;
    }

    // Directories. Callers hold m_lock.
    Entry* find(std::string_view name) {
        Entry* found = nullptr;
        m_entries.for_each([&](Entry& e) {
            if (!found && e.view() == name) found = &e;
        });
        return found;
    }

    Result<RefPtr<Inode>> lookup(std::string_view name) override {
        if (!is_directory()) return Error(ENOTDIR);
        MutexLocker lock(m_lock);
        Entry* e = find(name);
        if (!e) return Error(ENOENT);
        return e->inode;
    }

    Result<void> add_entry(std::string_view name, RefPtr<Inode> inode) {
        if (name.size() > kNameMax) return Error(ENAMETOOLONG);
        auto* e = new (std::nothrow) Entry;
        if (!e) return Error(ENOSPC);
        e->inode = inode;
        e->length = static_cast<u16>(name.size());
        memcpy(e->name, name.data(), name.size());
        e->name[name.size()] = '\0';
        m_entries.push_back(*e);
        touch_modified();
        return {};
    }

    Result<RefPtr<Inode>> make_child(InodeType type, u32 permissions, u32 uid, u32 gid) {
        auto* child = new (std::nothrow) RamInode(filesystem(), type, filesystem().allocate_ino());
        if (!child) return Error(ENOSPC);
        child->m_permissions = permissions & 07777;
        child->m_uid = uid;
        child->m_gid = gid;
        Timestamp t = now();
        child->m_atime = child->m_mtime = child->m_ctime = t;
        if (type == InodeType::Directory) {
            child->m_nlink = 2;
            child->m_parent = this;
        }
        return RefPtr<Inode>::adopt(child);
    }

    Result<RefPtr<Inode>> create(std::string_view name, InodeType type, u32 permissions, u32 uid, u32 gid) override {
        if (!is_directory()) return Error(ENOTDIR);
        MutexLocker lock(m_lock);
        if (m_nlink == 0) return Error(ENOENT);  // a removed directory
        if (find(name)) return Error(EEXIST);
        auto child = TRY(make_child(type, permissions, uid, gid));
        TRY(add_entry(name, child));
        if (type == InodeType::Directory) m_nlink++;
        return child;
    }

    Result<RefPtr<Inode>> create_unnamed(u32 permissions, u32 uid, u32 gid, bool linkable) override {
        if (!is_directory()) return Error(ENOTDIR);
        MutexLocker lock(m_lock);
        if (m_nlink == 0) return Error(ENOENT);  // a removed directory
        auto child = TRY(make_child(InodeType::Regular, permissions, uid, gid));
        child->m_nlink = 0;
        static_cast<RamInode*>(child.get())->m_linkable = linkable;
        return child;
    }

    Result<RefPtr<Inode>> symlink(std::string_view name, std::string_view target, u32 uid, u32 gid) override {
        if (!is_directory()) return Error(ENOTDIR);
        if (target.size() >= kPathMax) return Error(ENAMETOOLONG);
        MutexLocker lock(m_lock);
        if (find(name)) return Error(EEXIST);
        auto child = TRY(make_child(InodeType::Symlink, 0777, uid, gid));
        auto* link = static_cast<RamInode*>(child.get());
        auto buffer = heap::allocate(target.size() + 1);
        if (buffer.is_error()) return Error(ENOSPC);
        link->m_target = static_cast<char*>(buffer.value());
        memcpy(link->m_target, target.data(), target.size());
        link->m_target_length = target.size();
        TRY(add_entry(name, child));
        return child;
    }

    Result<void> link(std::string_view name, Inode& target) override {
        if (!is_directory()) return Error(ENOTDIR);
        if (target.is_directory()) return Error(EPERM);
        if (&target.filesystem() != &filesystem()) return Error(EXDEV);
        MutexLocker lock(m_lock);
        if (find(name)) return Error(EEXIST);
        auto& source = static_cast<RamInode&>(target);
        MutexLocker target_lock(source.m_lock);
        // A file without names stays so, unless it came from O_TMPFILE without O_EXCL, and
        // then only until its first name.
        if (source.m_nlink == 0 && !source.m_linkable) return Error(ENOENT);
        TRY(add_entry(name, RefPtr<Inode>(&target)));
        source.m_linkable = false;
        source.m_nlink++;
        source.touch_changed();
        return {};
    }

    Result<void> unlink(std::string_view name, bool directory) override {
        if (!is_directory()) return Error(ENOTDIR);
        MutexLocker lock(m_lock);
        Entry* e = find(name);
        if (!e) return Error(ENOENT);
        Inode& victim = *e->inode;
        if (directory && !victim.is_directory()) return Error(ENOTDIR);
        if (!directory && victim.is_directory()) return Error(EISDIR);
        if (victim.m_mounted) return Error(EBUSY);
        if (directory) {
            auto& dir = static_cast<RamInode&>(victim);
            MutexLocker victim_lock(dir.m_lock);
            if (!dir.m_entries.empty()) return Error(ENOTEMPTY);
            dir.m_nlink = 0;
            m_nlink--;
        } else {
            MutexLocker victim_lock(victim.m_lock);
            victim.m_nlink--;
            victim.touch_changed();
        }
        m_entries.remove(*e);
        delete e;  // drops the directory's reference; open files keep theirs
        touch_modified();
        return {};
    }

    Result<void> rename(std::string_view name, Inode& target_dir_inode, std::string_view target_name, u32 flags) override;

    Result<bool> read_dir(u64& cursor, DirEntry& out) override {
        if (!is_directory()) return Error(ENOTDIR);
        MutexLocker lock(m_lock);
        if (m_nlink == 0) return Error(ENOENT);  // removed while open
        auto emit = [&](u64 ino, InodeType type, std::string_view name) {
            out.ino = ino;
            out.type = type;
            memcpy(out.name, name.data(), name.size());
            out.name[name.size()] = '\0';
            cursor++;
            return true;
        };
        if (cursor == 0) return emit(this->ino(), InodeType::Directory, ".");
        if (cursor == 1) return emit(m_parent ? m_parent->ino() : this->ino(), InodeType::Directory, "..");
        u64 index = cursor - 2, i = 0;
        Entry* found = nullptr;
        m_entries.for_each([&](Entry& e) {
            if (i++ == index) found = &e;
        });
        if (!found) return false;
        return emit(found->inode->ino(), found->inode->type(), found->view());
    }

    // Regular files. The data is copied with the inode's lock held but without paging in
    // user memory (NoFaultCopies): a fault on a mapping of this very file would take the
    // lock again. A copy that needs a page drops the lock, pages it in, and goes on.
    Result<usize> read(u64 offset, const IoBuffer& buffer) override {
        if (type() != InodeType::Regular) return Inode::read(offset, buffer);
        usize done = 0;
        for (;;) {
            usize needs_page = 0;
            {
                MutexLocker lock(m_lock);
                user_memory::NoFaultCopies no_faults;
                m_atime = now();
                auto copied = read_locked(offset, buffer, done);
                if (copied.is_ok()) return done;
                needs_page = done;
            }
            usize chunk = kPage - (buffer.address + needs_page) % kPage;
            if (chunk > buffer.length - needs_page) chunk = buffer.length - needs_page;
            if (buffer.fault_in(needs_page, chunk, true).is_error())
                return done ? Result<usize>(done) : Result<usize>(Error(EFAULT));
        }
    }

    Result<usize> write(u64 offset, const IoBuffer& buffer) override {
        if (type() != InodeType::Regular) return Inode::write(offset, buffer);
        if (offset + buffer.length < offset || offset + buffer.length > kMaxFileSize) return Error(EFBIG);
        usize done = 0;
        for (;;) {
            {
                MutexLocker lock(m_lock);
                user_memory::NoFaultCopies no_faults;
                TRY(materialize());
                auto copied = write_locked(offset, buffer, done);
                if (done) touch_modified();
                if (copied.is_ok()) return done;
                if (copied.error() != EFAULT) return done ? Result<usize>(done) : Result<usize>(Error(copied.error()));
            }
            usize chunk = kPage - (buffer.address + done) % kPage;
            if (chunk > buffer.length - done) chunk = buffer.length - done;
            if (buffer.fault_in(done, chunk, false).is_error())
                return done ? Result<usize>(done) : Result<usize>(Error(EFAULT));
        }
    }

    Result<void> truncate(u64 size) override {
        if (type() != InodeType::Regular) return Inode::truncate(size);
        if (size > kMaxFileSize) return Error(EFBIG);
        MutexLocker lock(m_lock);
        TRY(materialize());
        if (size < m_size) {
            release_pages((size + kPage - 1) / kPage);
            // Zero the tail of the last kept page so a later extension reads zeros.
            u64 last = size / kPage;
            if (size % kPage && last < m_page_count && m_pages[last])
                memset(m_pages[last] + size % kPage, 0, kPage - size % kPage);
        }
        m_size = size;
        touch_modified();
        return {};
    }

    std::span<const u8> contents_in_place() override {
        MutexLocker lock(m_lock);
        return m_pages ? std::span<const u8>() : m_backing;
    }

    Result<u64> lendable_frame(u64 offset) override {
        if (type() != InodeType::Regular || offset % kPage) return Error(ENODEV);
        MutexLocker lock(m_lock);
        const u8* page = nullptr;
        if (!m_pages) {
            if (offset < m_backing.size() && m_backing.size() - offset >= kPage) page = m_backing.data() + offset;
        } else if (offset / kPage < m_page_count) {
            page = m_pages[offset / kPage];
        }
        if (!page || !in_archive(page)) return Error(ENODEV);
        return layout::virt_to_phys_direct(page);
    }

    Result<u64> page_frame(u64 offset, bool) override {
        if (type() != InodeType::Regular) return Error(ENODEV);
        MutexLocker lock(m_lock);
        if (offset >= align_up(m_size, kPage)) return Error(ENXIO);
        TRY(materialize());
        u8* page = TRY(page_for_write(offset / kPage));
        return layout::virt_to_phys_direct(page);
    }

    Result<usize> readlink(char* out, usize capacity) override {
        if (type() != InodeType::Symlink) return Error(EINVAL);
        MutexLocker lock(m_lock);
        usize n = m_target_length < capacity ? m_target_length : capacity;
        memcpy(out, m_target, n);
        return n;
    }

    void set_backing(std::span<const u8> backing) {
        m_backing = backing;
        m_size = backing.size();
    }

    IntrusiveList<Entry, &Entry::node> m_entries;  // guarded by m_lock
    bool m_linkable = false;                       // O_TMPFILE without O_EXCL; guarded by m_lock

private:
    static constexpr u64 kMaxFileSize = 1ull << 40;

    // Copies file bytes from `offset + done` on into the buffer from `done` on, advancing
    // `done`; stops at the end of the file or of the buffer. EFAULT where a user page is not
    // present (NoFaultCopies): `done` says where. m_lock held.
    Result<void> read_locked(u64 offset, const IoBuffer& buffer, usize& done) {
        if (offset >= m_size) return {};
        usize n = buffer.length < m_size - offset ? buffer.length : m_size - offset;
        static const u8 zeros[kPage] = {};
        while (done < n) {
            u64 at = offset + done;
            u64 page = at / kPage, in_page = at % kPage;
            usize chunk = kPage - in_page < n - done ? kPage - in_page : n - done;
            const u8* source;
            if (!m_pages && !m_backing.empty())
                source = m_backing.data() + at;
            else
                source = m_pages && page < m_page_count && m_pages[page] ? m_pages[page] + in_page : zeros;
            // Never cross a user page in one copy, so a fault leaves `done` exact.
            u64 user_room = buffer.user ? kPage - (buffer.address + done) % kPage : chunk;
            if (chunk > user_room) chunk = user_room;
            TRY(buffer.copy_out(done, source, chunk));
            done += chunk;
        }
        return {};
    }

    // The same for writing: buffer bytes from `done` on into the file at `offset + done`.
    // ENOSPC when no page can be had. m_lock held, the data already materialized.
    Result<void> write_locked(u64 offset, const IoBuffer& buffer, usize& done) {
        while (done < buffer.length) {
            u64 at = offset + done;
            u64 page = at / kPage, in_page = at % kPage;
            usize chunk = kPage - in_page < buffer.length - done ? kPage - in_page : buffer.length - done;
            u64 user_room = buffer.user ? kPage - (buffer.address + done) % kPage : chunk;
            if (chunk > user_room) chunk = user_room;
            auto target = page_for_write(page);
            if (target.is_error()) return Error(ENOSPC);
            TRY(buffer.copy_in(done, target.value() + in_page, chunk));
            done += chunk;
            if (offset + done > m_size) m_size = offset + done;
        }
        return {};
    }

    // Moves the data from the read-only backing into pages of its own. m_lock held.
    Result<void> materialize() {
        // Nothing to copy when the file has its own pages already, or never had backing
        // bytes (created here; its missing pages read as zeros).
        if (m_pages || m_backing.empty()) {
            m_backing = {};
            return {};
        }
        std::span<const u8> backing = m_backing;
        u64 size = m_size;
        m_size = 0;
        for (u64 at = 0; at < size; at += kPage) {
            // A whole page on a page boundary in the boot image stays where it is, as the
            // file's page: mappings may have it in place (lendable_frame). The rest is copied
            // (a last partial page shares its frame with the archive's next entry).
            u8* in_place = const_cast<u8*>(backing.data() + at);
            if (size - at >= kPage && in_archive(in_place)) {
                TRY(page_for_write(at / kPage, in_place));
                continue;
            }
            u8* page = TRY(page_for_write(at / kPage));
            memcpy(page, backing.data() + at, size - at < kPage ? size - at : kPage);
        }
        m_size = size;
        m_backing = {};
        return {};
    }

    // A page of the boot image on a page boundary: never freed, and only ever this file's.
    static bool in_archive(const u8* page) {
        return reinterpret_cast<uptr>(page) % kPage == 0 && initramfs::holds(page, kPage);
    }

    // The file's page `page`, made (zeroed, or `in_place` when given) if it has none.
    Result<u8*> page_for_write(u64 page, u8* in_place = nullptr) {
        if (page >= m_page_capacity) {
            u64 capacity = m_page_capacity ? m_page_capacity : 8;
            while (capacity <= page) capacity *= 2;
            auto grown = heap::allocate(capacity * sizeof(u8*));
            if (grown.is_error()) return Error(ENOSPC);
            auto** pages = static_cast<u8**>(grown.value());
            for (u64 i = 0; i < capacity; i++) pages[i] = i < m_page_count ? m_pages[i] : nullptr;
            heap::free(m_pages);
            m_pages = pages;
            m_page_capacity = capacity;
        }
        if (page >= m_page_count) m_page_count = page + 1;
        if (!m_pages[page] && in_place) {
            m_pages[page] = in_place;
        } else if (!m_pages[page]) {
            auto frame = frames::allocate(0);
            if (frame.is_error()) return Error(ENOSPC);
            m_pages[page] = static_cast<u8*>(layout::phys_to_virt(frame.value()));
            memset(m_pages[page], 0, kPage);
        }
        return m_pages[page];
    }

    void release_pages(u64 first) {
        for (u64 i = first; i < m_page_count; i++) {
            if (m_pages[i] && !in_archive(m_pages[i])) frames::free(layout::virt_to_phys_direct(m_pages[i]));
            m_pages[i] = nullptr;
        }
        if (first < m_page_count) m_page_count = first;
    }

    // Regular files: page array (sparse), or the backing bytes until the first write.
    u8** m_pages = nullptr;
    u64 m_page_count = 0, m_page_capacity = 0;
    u64 m_size = 0;
    std::span<const u8> m_backing;
    // Symlinks.
    char* m_target = nullptr;
    usize m_target_length = 0;
};

Result<void> RamInode::rename(std::string_view name, Inode& target_dir_inode, std::string_view target_name, u32 flags) {
    if (!is_directory() || !target_dir_inode.is_directory()) return Error(ENOTDIR);
    if (&target_dir_inode.filesystem() != &filesystem()) return Error(EXDEV);
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) return Error(EINVAL);
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return Error(EINVAL);
    auto& target_dir = static_cast<RamInode&>(target_dir_inode);
    // Two directories: lock in address order.
    RamInode* first = this < &target_dir ? this : &target_dir;
    RamInode* second = this < &target_dir ? &target_dir : this;
    MutexLocker first_lock(first->m_lock);
    if (second != first) second->m_lock.lock();
    auto unlock_second = [&] {
        if (second != first) second->m_lock.unlock();
    };
    Entry* source = find(name);
    if (!source) {
        unlock_second();
        return Error(ENOENT);
    }
    Entry* existing = target_dir.find(target_name);
    Result<void> result;
    // Onto itself, or onto another hard link of the same file: nothing happens (POSIX).
    if (source == existing || (existing && existing->inode.get() == source->inode.get())) {
        unlock_second();
        return {};
    }
    if (flags & RENAME_EXCHANGE) {
        if (!existing) {
            unlock_second();
            return Error(ENOENT);
        }
        RefPtr<Inode> a = source->inode;
        source->inode = existing->inode;
        existing->inode = a;
        if (source->inode->is_directory()) source->inode->m_parent = this;
        if (existing->inode->is_directory()) existing->inode->m_parent = &target_dir;
        if (source->inode->is_directory() != existing->inode->is_directory() && this != &target_dir) {
            // The directory counts move with the subdirectories.
            if (existing->inode->is_directory()) this->m_nlink--, target_dir.m_nlink++;
            else this->m_nlink++, target_dir.m_nlink--;
        }
        unlock_second();
        return {};
    }
    if (existing) {
        if (flags & RENAME_NOREPLACE) {
            unlock_second();
            return Error(EEXIST);
        }
        bool source_dir = source->inode->is_directory(), target_dir_kind = existing->inode->is_directory();
        if (source_dir && !target_dir_kind) result = Error(ENOTDIR);
        else if (!source_dir && target_dir_kind) result = Error(EISDIR);
        else if (target_dir_kind && !static_cast<RamInode&>(*existing->inode).m_entries.empty()) result = Error(ENOTEMPTY);
        if (result.is_error()) {
            unlock_second();
            return result;
        }
    }
    // A directory may not move into itself or its own subtree.
    if (source->inode->is_directory()) {
        for (Inode* walk = &target_dir; walk; walk = walk->m_parent) {
            if (walk == source->inode.get()) {
                unlock_second();
                return Error(EINVAL);
            }
        }
    }
    RefPtr<Inode> moving = source->inode;
    if (existing) {
        if (existing->inode->is_directory()) {
            existing->inode->m_nlink = 0;
            target_dir.m_nlink--;
        } else {
            existing->inode->m_nlink--;
        }
        existing->inode = moving;
    } else {
        auto added = target_dir.add_entry(target_name, moving);
        if (added.is_error()) {
            unlock_second();
            return added;
        }
    }
    m_entries.remove(*source);
    delete source;
    if (moving->is_directory()) {
        moving->m_parent = &target_dir;
        if (this != &target_dir) this->m_nlink--, target_dir.m_nlink++;
    }
    moving->touch_changed();
    touch_modified();
    target_dir.touch_modified();
    unlock_second();
    return {};
}

}  // namespace

RamFilesystem* RamFilesystem::create(const char* name, u64 device) {
    auto* fs = new (std::nothrow) RamFilesystem(name, device);
    if (!fs) return nullptr;
    auto* root = new (std::nothrow) RamInode(*fs, InodeType::Directory, 1);
    if (!root) {
        delete fs;
        return nullptr;
    }
    root->m_permissions = 0755;
    root->m_nlink = 2;
    Timestamp t = now();
    root->m_atime = root->m_mtime = root->m_ctime = t;
    fs->m_root = RefPtr<Inode>::adopt(root);
    return fs;
}

u64 RamFilesystem::magic() const { return m_name[0] == 'r' ? RAMFS_MAGIC : TMPFS_MAGIC; }
u64 RamFilesystem::blocks_total() { return frames::total_count(); }
u64 RamFilesystem::blocks_free() { return frames::free_count(); }

Result<RefPtr<Inode>> RamFilesystem::create_backed_file(Inode& directory, std::string_view name, u32 permissions,
                                                        u32 uid, u32 gid, std::span<const u8> backing) {
    auto file = TRY(directory.create(name, InodeType::Regular, permissions, uid, gid));
    auto* ram = static_cast<RamInode*>(file.get());
    MutexLocker lock(ram->m_lock);
    ram->set_backing(backing);
    return file;
}

Result<void> RamFilesystem::back_empty_file(Inode& file, std::span<const u8> backing) {
    if (file.type() != InodeType::Regular) return Error(EINVAL);
    if (file.size() != 0) return Error(EBUSY);
    auto& ram = static_cast<RamInode&>(file);
    MutexLocker lock(ram.m_lock);
    ram.set_backing(backing);
    return {};
}

}  // namespace fs

namespace fs {

Result<void> RamFilesystem::attach(Inode& directory, std::string_view name, RefPtr<Inode> inode) {
    if (!directory.is_directory()) return Error(ENOTDIR);
    auto& dir = static_cast<RamInode&>(directory);
    MutexLocker lock(dir.m_lock);
    if (dir.find(name)) return Error(EEXIST);
    TRY(dir.add_entry(name, inode));
    if (inode->is_directory()) {
        inode->m_parent = &dir;
        dir.m_nlink++;
    }
    return {};
}

}  // namespace fs
