#include "fs/ninep/ninep_fs.h"

#include <new>

#include "fs/inode.h"
#include "fs/inode_table.h"
#include "fs/ninep/client.h"
#include "fs/vfs.h"
#include "text/format.h"

namespace fs::ninep {

namespace {

using ::ninep::Type;
using ::ninep::Writer;

constexpr u64 kV9fsMagic = 0x01021997;  // statfs f_type of Linux's 9p
constexpr u32 kAtRemoveDir = 0x200;
constexpr u32 kDirectoryChunk = 8192;  // readdir replies are asked for in pieces of this size
constexpr u64 kFirstDevice = 0x40;     // st_dev of the first 9p mount (tmpfs 0x21, 0x22; memfd 0x30)

class NinepFilesystem;

class NinepInode final : public Inode {
public:
    NinepInode(Filesystem& filesystem, InodeType type, u64 ino, u32 fid, RefPtr<Inode> parent)
        : Inode(filesystem, type, ino), m_fid(fid), m_parent_ref(static_cast<RefPtr<Inode>&&>(parent)) {
        m_parent = m_parent_ref.get();
    }
    ~NinepInode() override;

    u64 size() override;
    Result<void> stat(Stat& out) override;
    Result<void> change_attributes(const AttributeChange& change) override;

    Result<RefPtr<Inode>> lookup(std::string_view name) override;
    Result<RefPtr<Inode>> create(std::string_view name, InodeType type, u32 permissions, u32 uid, u32 gid) override;
    Result<RefPtr<Inode>> symlink(std::string_view name, std::string_view target, u32 uid, u32 gid) override;
    Result<void> link(std::string_view name, Inode& target) override;
    Result<void> unlink(std::string_view name, bool directory) override;
    Result<void> rename(std::string_view name, Inode& target_dir, std::string_view target_name, u32 flags) override;
    Result<bool> read_dir(u64& cursor, DirEntry& out) override;

    Result<usize> read(u64 offset, const IoBuffer& buffer) override;
    Result<usize> write(u64 offset, const IoBuffer& buffer) override;
    Result<void> truncate(u64 size) override;
    Result<usize> readlink(char* out, usize capacity) override;
    Result<void> allocate(u64, u64, bool) override { return Error(EOPNOTSUPP); }
    Result<void> sync(bool data_only) override;
    Result<RefPtr<File>> open(u32 flags) override;

    // Takes the server's attributes into the inode's fields.
    Result<::ninep::Attributes> refresh();
    ListNode m_table_node;
    u32 fid() const { return m_fid; }

private:
    NinepFilesystem& fs();
    Client& client();
    // A new fid for this file, walked from m_fid (never opened: opens change a fid).
    Result<u32> clone_fid();
    // A fid opened for reading (directories: for readdir) or writing, opened on first use.
    Result<u32> open_fid(bool for_write);
    // An opened fid if there is one, else m_fid: a file that was unlinked while open is
    // still reached through the fid opened on it (the server holds the open file).
    u32 attribute_fid();
    Result<void> rename_plain(std::string_view name, NinepInode& target, std::string_view target_name);
    Result<RefPtr<Inode>> walk_to(std::string_view name);

    const u32 m_fid;  // walked to this file, kept until the inode goes
    RefPtr<Inode> m_parent_ref;  // keeps ".." (m_parent) alive
    Mutex m_open_lock{"9p open fids"};
    // The last piece of a directory listing the server sent (Rreaddir's entries), read
    // from m_listing_start: getdents asks for one entry at a time.
    Mutex m_listing_lock{"9p listing"};
    u8* m_listing = nullptr;
    u32 m_listing_length = 0;
    u64 m_listing_start = 0;
    u32 m_read_fid = ::ninep::kNoFid, m_write_fid = ::ninep::kNoFid;  // guarded by m_open_lock
};

class NinepFilesystem final : public Filesystem {
public:
    NinepFilesystem(virtio::NinepDevice& device, u64 number, bool read_only)
        : Filesystem(number), m_client(device), m_read_only(read_only) {}
    const char* name() const override { return "9p"; }
    u64 magic() const override { return kV9fsMagic; }
    RefPtr<Inode> root() override { return m_root; }
    u64 blocks_total() override { return statfs().blocks; }
    u64 blocks_free() override { return statfs().blocks_free; }
    bool mounted_read_only() const override { return m_read_only; }

    Result<void> start();
    Client& client() { return m_client; }
    Result<void> writable() const {
        if (m_read_only) return Error(EROFS);
        return {};
    }
    // The inode of a walked fid, which it takes over: the one already known for the same
    // file (qid path) when there is one, the fid then clunked; else a new one.
    Result<RefPtr<Inode>> inode_for(u32 fid, RefPtr<Inode> parent);
    void forget(NinepInode& inode);

private:
    ::ninep::FilesystemStats statfs();

    Client m_client;
    bool m_read_only;
    RefPtr<Inode> m_root;
    // Every live inode, by the server's qid path (fs/inode_table.h).
    InodeTable<NinepInode, &NinepInode::m_table_node> m_inodes;
};

NinepFilesystem& NinepInode::fs() { return static_cast<NinepFilesystem&>(filesystem()); }
Client& NinepInode::client() { return fs().client(); }

NinepInode::~NinepInode() {
    fs().forget(*this);
    delete[] m_listing;
    if (m_read_fid != ::ninep::kNoFid) client().clunk(m_read_fid);
    if (m_write_fid != ::ninep::kNoFid) client().clunk(m_write_fid);
    if (m_fid != Client::kRootFid) client().clunk(m_fid);
}

// ---- the file system ----

Result<void> NinepFilesystem::start() {
    TRY(m_inodes.init());
    ::ninep::Qid root = TRY(m_client.start());
    auto* inode = new (std::nothrow) NinepInode(*this, InodeType::Directory, root.path, Client::kRootFid, nullptr);
    if (!inode) return Error(ENOMEM);
    m_root = RefPtr<Inode>::adopt(inode);
    m_inodes.insert(*inode);
    TRY(inode->refresh());
    return {};
}

Result<RefPtr<Inode>> NinepFilesystem::inode_for(u32 fid, RefPtr<Inode> parent) {
    auto reply = m_client.call(Type::Tgetattr, Type::Rgetattr, [&](Writer& w) {
        w.put32(fid).put64(::ninep::kGetattrBasic);
    });
    if (reply.is_error()) {
        m_client.clunk(fid);
        return Error(reply.error());
    }
    auto attributes = ::ninep::read_attributes(reply.value().reader());
    if (attributes.is_error()) {
        m_client.clunk(fid);
        return Error(EIO);
    }
    u64 path = attributes.value().qid.path;
    if (RefPtr<Inode> found = m_inodes.find(path)) {
        m_client.clunk(fid);
        (void)static_cast<NinepInode&>(*found).refresh();
        return found;
    }
    auto* inode = new (std::nothrow) NinepInode(*this, type_from_mode(attributes.value().mode), path, fid,
                                                static_cast<RefPtr<Inode>&&>(parent));
    if (!inode) {
        m_client.clunk(fid);
        return Error(ENOMEM);
    }
    m_inodes.insert(*inode);
    RefPtr<Inode> made = RefPtr<Inode>::adopt(inode);
    TRY(inode->refresh());
    return made;
}

void NinepFilesystem::forget(NinepInode& inode) { m_inodes.remove(inode); }

::ninep::FilesystemStats NinepFilesystem::statfs() {
    ::ninep::FilesystemStats none{};
    auto reply = m_client.call(Type::Tstatfs, Type::Rstatfs, [](Writer& w) { w.put32(Client::kRootFid); });
    if (reply.is_error()) return none;
    auto stats = ::ninep::read_filesystem_stats(reply.value().reader());
    if (stats.is_error()) return none;
    // The VFS counts 4 KiB blocks.
    auto in_4k = [&](u64 blocks) { return blocks * stats.value().block_size / 4096; };
    auto s = stats.value();
    s.blocks = in_4k(s.blocks);
    s.blocks_free = in_4k(s.blocks_free);
    return s;
}

// ---- metadata ----

u32 NinepInode::attribute_fid() {
    MutexLocker lock(m_open_lock);
    if (m_write_fid != ::ninep::kNoFid) return m_write_fid;
    if (m_read_fid != ::ninep::kNoFid) return m_read_fid;
    return m_fid;
}

Result<::ninep::Attributes> NinepInode::refresh() {
    u32 fid = attribute_fid();
    auto reply = TRY(client().call(Type::Tgetattr, Type::Rgetattr, [&](Writer& w) {
        w.put32(fid).put64(::ninep::kGetattrBasic);
    }));
    auto a = TRY(::ninep::read_attributes(reply.reader()));
    MutexLocker lock(m_lock);
    m_permissions = a.mode & 07777;
    m_uid = a.uid;
    m_gid = a.gid;
    m_nlink = a.nlink;
    m_atime = {static_cast<i64>(a.atime_seconds), static_cast<i64>(a.atime_nanoseconds)};
    m_mtime = {static_cast<i64>(a.mtime_seconds), static_cast<i64>(a.mtime_nanoseconds)};
    m_ctime = {static_cast<i64>(a.ctime_seconds), static_cast<i64>(a.ctime_nanoseconds)};
    return a;
}

u64 NinepInode::size() {
    auto a = refresh();
    return a.is_ok() ? a.value().size : 0;
}

Result<void> NinepInode::stat(Stat& out) {
    auto a = TRY(refresh());
    out = {};
    out.st_dev = filesystem().device();
    out.st_ino = ino();
    out.st_nlink = a.nlink;
    out.st_mode = a.mode;
    out.st_uid = a.uid;
    out.st_gid = a.gid;
    out.st_rdev = a.rdev;
    out.st_size = static_cast<i64>(a.size);
    out.st_blksize = a.block_size ? static_cast<i64>(a.block_size) : 4096;
    out.st_blocks = static_cast<i64>(a.blocks);
    out.st_atime_sec = a.atime_seconds, out.st_atime_nsec = a.atime_nanoseconds;
    out.st_mtime_sec = a.mtime_seconds, out.st_mtime_nsec = a.mtime_nanoseconds;
    out.st_ctime_sec = a.ctime_seconds, out.st_ctime_nsec = a.ctime_nanoseconds;
    return {};
}

Result<void> NinepInode::change_attributes(const AttributeChange& change) {
    TRY(fs().writable());
    namespace set = ::ninep::setattr;
    u32 valid = set::kCtime;
    if (change.permissions) valid |= set::kMode;
    if (change.uid) valid |= set::kUid;
    if (change.gid) valid |= set::kGid;
    if (change.atime) valid |= set::kAtime | set::kAtimeSet;
    if (change.mtime) valid |= set::kMtime | set::kMtimeSet;
    Timestamp atime = change.atime.value_or(Timestamp{}), mtime = change.mtime.value_or(Timestamp{});
    u32 fid = attribute_fid();
    TRY(client().call(Type::Tsetattr, Type::Rsetattr, [&](Writer& w) {
        w.put32(fid).put32(valid).put32(change.permissions.value_or(0)).put32(change.uid.value_or(0));
        w.put32(change.gid.value_or(0)).put64(0);
        w.put64(static_cast<u64>(atime.seconds)).put64(static_cast<u64>(atime.nanoseconds));
        w.put64(static_cast<u64>(mtime.seconds)).put64(static_cast<u64>(mtime.nanoseconds));
    }));
    TRY(refresh());
    return {};
}

// ---- names ----

Result<u32> NinepInode::clone_fid() {
    u32 fid = client().new_fid();
    TRY(client().call(Type::Twalk, Type::Rwalk, [&](Writer& w) { w.put32(m_fid).put32(fid).put16(0); }));
    return fid;
}

Result<RefPtr<Inode>> NinepInode::walk_to(std::string_view name) {
    if (name.size() > kNameMax) return Error(ENAMETOOLONG);
    u32 fid = client().new_fid();
    auto reply = TRY(client().call(Type::Twalk, Type::Rwalk, [&](Writer& w) {
        w.put32(m_fid).put32(fid).put16(1).put_string(name);
    }));
    // A walk that stops short answers with fewer qids than names, and makes no fid.
    u16 count = reply.reader().get16();
    if (!reply.reader().ok()) return Error(EIO);
    if (count != 1) return Error(ENOENT);
    return fs().inode_for(fid, RefPtr<Inode>(this));
}

Result<RefPtr<Inode>> NinepInode::lookup(std::string_view name) {
    if (!is_directory()) return Error(ENOTDIR);
    if (name == "." ) return RefPtr<Inode>(this);
    if (name == "..") return RefPtr<Inode>(m_parent ? m_parent : this);
    return walk_to(name);
}

Result<RefPtr<Inode>> NinepInode::create(std::string_view name, InodeType type, u32 permissions, u32, u32 gid) {
    if (!is_directory()) return Error(ENOTDIR);
    if (name.size() > kNameMax) return Error(ENAMETOOLONG);
    TRY(fs().writable());
    switch (type) {
        case InodeType::Directory:
            TRY(client().call(Type::Tmkdir, Type::Rmkdir, [&](Writer& w) {
                w.put32(m_fid).put_string(name).put32(permissions).put32(gid);
            }));
            break;
        case InodeType::Regular: {
            // Tlcreate opens the fid it is given on the new file: a clone, clunked after.
            u32 fid = TRY(clone_fid());
            auto made = client().call(Type::Tlcreate, Type::Rlcreate, [&](Writer& w) {
                w.put32(fid).put_string(name).put32(O_RDWR | O_CREAT | O_EXCL).put32(permissions).put32(gid);
            });
            client().clunk(fid);
            if (made.is_error()) return Error(made.error());
            break;
        }
        default:
            TRY(client().call(Type::Tmknod, Type::Rmknod, [&](Writer& w) {
                w.put32(m_fid).put_string(name).put32(type_bits(type) | permissions).put32(0).put32(0).put32(gid);
            }));
            break;
    }
    return walk_to(name);
}

Result<RefPtr<Inode>> NinepInode::symlink(std::string_view name, std::string_view target, u32, u32 gid) {
    if (!is_directory()) return Error(ENOTDIR);
    if (name.size() > kNameMax) return Error(ENAMETOOLONG);
    TRY(fs().writable());
    TRY(client().call(Type::Tsymlink, Type::Rsymlink, [&](Writer& w) {
        w.put32(m_fid).put_string(name).put_string(target).put32(gid);
    }));
    return walk_to(name);
}

Result<void> NinepInode::link(std::string_view name, Inode& target) {
    if (&target.filesystem() != &filesystem()) return Error(EXDEV);
    TRY(fs().writable());
    auto& file = static_cast<NinepInode&>(target);
    TRY(client().call(Type::Tlink, Type::Rlink, [&](Writer& w) { w.put32(m_fid).put32(file.fid()).put_string(name); }));
    (void)file.refresh();
    return {};
}

Result<void> NinepInode::unlink(std::string_view name, bool directory) {
    TRY(fs().writable());
    TRY(client().call(Type::Tunlinkat, Type::Runlinkat, [&](Writer& w) {
        w.put32(m_fid).put_string(name).put32(directory ? kAtRemoveDir : 0);
    }));
    return {};
}

Result<void> NinepInode::rename_plain(std::string_view name, NinepInode& target, std::string_view target_name) {
    TRY(client().call(Type::Trenameat, Type::Rrenameat, [&](Writer& w) {
        w.put32(m_fid).put_string(name).put32(target.fid()).put_string(target_name);
    }));
    return {};
}

Result<void> NinepInode::rename(std::string_view name, Inode& target_dir, std::string_view target_name, u32 flags) {
    constexpr u32 kNoReplace = 1, kExchange = 2;
    if (&target_dir.filesystem() != &filesystem()) return Error(EXDEV);
    if (flags & ~(kNoReplace | kExchange) || flags == (kNoReplace | kExchange)) return Error(EINVAL);
    TRY(fs().writable());
    auto& target = static_cast<NinepInode&>(target_dir);
    if (!flags) return rename_plain(name, target, target_name);
    // 9P2000.L renames only plainly. Both flags are done in steps here: right when no one
    // on the host changes the names meanwhile, but not atomic as seen from the host.
    auto existing = target.lookup(target_name);
    if (flags & kNoReplace) {
        if (existing.is_ok()) return Error(EEXIST);
        if (existing.error() != ENOENT) return Error(existing.error());
        return rename_plain(name, target, target_name);
    }
    if (existing.is_error()) return Error(existing.error());
    TRY(lookup(name));
    static kstd::Atomic<u32> g_exchanges{0};
    char parked[48];
    text::BufferSink out(parked, sizeof parked);
    text::format_to(out, ".osprey-exchange-{}", g_exchanges.fetch_add(1, kstd::relaxed));
    TRY(rename_plain(name, *this, out.view()));
    if (auto moved = target.rename_plain(target_name, *this, name); moved.is_error()) {
        (void)rename_plain(out.view(), *this, name);
        return moved;
    }
    return rename_plain(out.view(), target, target_name);
}

Result<bool> NinepInode::read_dir(u64& cursor, DirEntry& out) {
    if (!is_directory()) return Error(ENOTDIR);
    u32 fid = TRY(open_fid(false));
    MutexLocker lock(m_listing_lock);
    // The entry that continues from `cursor`: in the piece of the listing kept from the
    // last request when it is there (a listing reads on from where it stopped), else in a
    // new piece asked for from there.
    for (int attempt = 0; attempt < 2; attempt++) {
        if (attempt == 1 || !m_listing) {
            if (!m_listing) {
                m_listing = new (std::nothrow) u8[kDirectoryChunk];
                if (!m_listing) return Error(ENOMEM);
            }
            m_listing_length = 0;
            auto reply = TRY(client().call(Type::Treaddir, Type::Rreaddir, kSmallMessage, kDirectoryChunk + 64,
                                           [&](Writer& w) { w.put32(fid).put64(cursor).put32(kDirectoryChunk); }));
            u32 count = reply.reader().get32();
            auto data = reply.reader().get_bytes(count);
            if (!reply.reader().ok() || count > kDirectoryChunk) return Error(EIO);
            __builtin_memcpy(m_listing, data.data(), count);
            m_listing_length = count;
            m_listing_start = cursor;
        }
        ::ninep::DirectoryEntries entries({m_listing, m_listing_length});
        ::ninep::DirectoryEntry entry;
        u64 starts_at = m_listing_start;
        bool any = false;
        while (entries.next(entry)) {
            any = true;
            if (starts_at == cursor) {
                if (entry.name.size() > kNameMax) return Error(EIO);
                out.ino = entry.qid.path;
                out.type = type_from_mode(u32(entry.type) << 12);  // a d_type is st_mode's type >> 12
                __builtin_memcpy(out.name, entry.name.data(), entry.name.size());
                out.name[entry.name.size()] = '\0';
                cursor = entry.offset;
                return true;
            }
            starts_at = entry.offset;
        }
        if (entries.malformed()) return Error(EIO);
        // A piece fresh from `cursor` with nothing in it: the end of the listing. Otherwise
        // the cursor lies outside the kept piece: ask the server (it may also have entries
        // the host added since).
        if (attempt == 1 || (!any && m_listing_start == cursor)) return false;
    }
    return false;
}

// ---- data ----

Result<u32> NinepInode::open_fid(bool for_write) {
    MutexLocker lock(m_open_lock);
    u32& slot = for_write ? m_write_fid : m_read_fid;
    if (slot != ::ninep::kNoFid) return slot;
    u32 fid = TRY(clone_fid());
    u32 flags = for_write ? O_WRONLY : (is_directory() ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    auto opened = client().call(Type::Tlopen, Type::Rlopen, [&](Writer& w) { w.put32(fid).put32(flags); });
    if (opened.is_error()) {
        client().clunk(fid);
        return Error(opened.error());
    }
    slot = fid;
    return fid;
}

Result<RefPtr<File>> NinepInode::open(u32 flags) {
    // Open on the server now, so the file stays reachable through these fids if its name
    // goes (unlinked while open) and a permission error comes from open(2) itself.
    if (type() == InodeType::Regular) {
        u32 access = flags & O_ACCMODE;
        if (access == O_RDONLY || access == O_RDWR) TRY(open_fid(false));
        if (access == O_WRONLY || access == O_RDWR) {
            TRY(fs().writable());
            TRY(open_fid(true));
        }
    }
    return Inode::open(flags);
}

Result<void> NinepInode::sync(bool data_only) {
    u32 fid;
    {
        MutexLocker lock(m_open_lock);
        fid = m_write_fid;
    }
    if (fid == ::ninep::kNoFid) return {};  // never written through this inode
    TRY(client().call(Type::Tfsync, Type::Rfsync, [&](Writer& w) { w.put32(fid).put32(data_only ? 1 : 0); }));
    return {};
}

Result<usize> NinepInode::read(u64 offset, const IoBuffer& buffer) {
    if (is_directory()) return Error(EISDIR);
    u32 fid = TRY(open_fid(false));
    usize done = 0;
    while (done < buffer.length) {
        usize left = buffer.length - done;
        u32 want = static_cast<u32>(left < client().max_io() ? left : client().max_io());
        auto reply = client().call(Type::Tread, Type::Rread, kSmallMessage, want + ::ninep::kReadOverhead,
                                   [&](Writer& w) { w.put32(fid).put64(offset + done).put32(want); });
        if (reply.is_error()) {
            if (done) break;
            return Error(reply.error());
        }
        u32 count = reply.value().reader().get32();
        auto data = reply.value().reader().get_bytes(count);
        if (!reply.value().reader().ok() || count > want) return Error(EIO);
        TRY(buffer.copy_out(done, data.data(), count));
        done += count;
        if (count < want) break;  // the end of the file
    }
    return done;
}

Result<usize> NinepInode::write(u64 offset, const IoBuffer& buffer) {
    if (is_directory()) return Error(EISDIR);
    TRY(fs().writable());
    u32 fid = TRY(open_fid(true));
    usize done = 0;
    while (done < buffer.length) {
        usize left = buffer.length - done;
        u32 chunk = static_cast<u32>(left < client().max_io() ? left : client().max_io());
        // The data goes into the request itself: copied from the caller first.
        u8* data = new (std::nothrow) u8[chunk];
        if (!data) return done ? Result<usize>(done) : Result<usize>(Error(ENOMEM));
        auto copied = buffer.copy_in(done, data, chunk);
        if (copied.is_error()) {
            delete[] data;
            if (done) break;
            return Error(copied.error());
        }
        auto reply = client().call(Type::Twrite, Type::Rwrite, chunk + ::ninep::kWriteOverhead, kSmallMessage,
                                   [&](Writer& w) {
                                       w.put32(fid).put64(offset + done).put32(chunk).put_bytes({data, chunk});
                                   });
        delete[] data;
        if (reply.is_error()) {
            if (done) break;
            return Error(reply.error());
        }
        u32 count = reply.value().reader().get32();
        if (!reply.value().reader().ok() || count > chunk) return Error(EIO);
        done += count;
        if (count < chunk) break;  // the host's disk is full: the next write says so
    }
    return done;
}

Result<void> NinepInode::truncate(u64 size) {
    if (is_directory()) return Error(EISDIR);
    TRY(fs().writable());
    TRY(client().call(Type::Tsetattr, Type::Rsetattr, [&](Writer& w) {
        w.put32(m_fid).put32(::ninep::setattr::kSize | ::ninep::setattr::kMtime | ::ninep::setattr::kCtime);
        w.put32(0).put32(0).put32(0).put64(size).put64(0).put64(0).put64(0).put64(0);
    }));
    return {};
}

Result<usize> NinepInode::readlink(char* out, usize capacity) {
    if (type() != InodeType::Symlink) return Error(EINVAL);
    auto reply = TRY(client().call(Type::Treadlink, Type::Rreadlink, [&](Writer& w) { w.put32(m_fid); }));
    std::string_view target = reply.reader().get_string();
    if (!reply.reader().ok()) return Error(EIO);
    usize n = target.size() < capacity ? target.size() : capacity;
    __builtin_memcpy(out, target.data(), n);
    return n;
}

kstd::Atomic<u64> g_next_device{kFirstDevice};

}  // namespace

Result<void> mount(std::string_view tag, std::string_view path, bool read_only) {
    return mount_on(tag, TRY(resolve(*fs::root(), path)), {.read_only = read_only});
}

Result<void> mount_on(std::string_view tag, RefPtr<Inode> directory, MountFlags flags) {
    virtio::NinepDevice* device = virtio::find_ninep_device(tag);
    // Linux's answer for a 9p source no transport has.
    if (!device) return Error(ENOENT);
    auto* filesystem = new (std::nothrow) NinepFilesystem(*device, g_next_device.fetch_add(1), flags.read_only);
    if (!filesystem) return Error(ENOMEM);
    if (auto started = filesystem->start(); started.is_error()) {
        delete filesystem;
        return started;
    }
    // A file system once mounted stays allocated for the life of the machine: after an
    // unmount, files opened in it may still be in use.
    return fs::mount_on(directory, *filesystem, flags);
}

}  // namespace fs::ninep
