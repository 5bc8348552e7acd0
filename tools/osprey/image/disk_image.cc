#include "image/disk_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "ext4/transaction.h"
#include "ext4/writer.h"
#include "image/ext4_format.h"
#include "image/mapped_file.h"
#include "protocol/app_config.h"

namespace osprey {

namespace {

constexpr u64 kDiskBlock = 4096;
constexpr u64 kDiskMiB = u64{1} << 20;

// The image file as libs/ext4's device: whole blocks at block-aligned offsets.
class HostDisk final : public ext4::BlockDevice {
public:
    explicit HostDisk(int fd) : m_fd(fd) {}
    Result<void> read(u64 offset, std::span<u8> out) override {
        for (usize done = 0; done < out.size();) {
            ssize_t n = pread(m_fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return Error(EIO);
            done += static_cast<usize>(n);
        }
        return {};
    }
    Result<void> write(u64 offset, std::span<const u8> bytes) override {
        for (usize done = 0; done < bytes.size();) {
            ssize_t n = pwrite(m_fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return Error(n < 0 ? errno : EIO);
            done += static_cast<usize>(n);
        }
        return {};
    }
    Result<void> flush() override {
        if (fdatasync(m_fd) != 0) return Error(errno);
        return {};
    }

private:
    int m_fd;
};

class FileCloser {
public:
    explicit FileCloser(int fd) : m_fd(fd) {}
    ~FileCloser() {
        if (m_fd >= 0) close(m_fd);
    }

private:
    int m_fd;
};

u64 blocks_for(u64 bytes) { return (bytes + kDiskBlock - 1) / kDiskBlock; }

// The directories the kernel mounts on (and /tmp, which stays on the root disk): made at
// build time, so a run does not write them.
struct MountPoint {
    const char* path;
    u16 permissions;
};
constexpr MountPoint kMountPoints[] = {{"/dev", 0755}, {"/proc", 0555}, {"/sys", 0555}, {"/tmp", 01777}};

// What the tree needs on a disk of 4 KiB blocks, generously: data blocks, directory
// blocks, slow symlinks, one inode each; then mke2fs's metadata (inode tables, bitmaps,
// the journal) and room for what runs write (a sparse file: free space costs no host disk).
struct DiskPlan {
    u64 bytes = 0;
    u64 inodes = 0;
};
DiskPlan plan_disk(const ImageTree& tree) {
    u64 blocks = 0, inodes = std::size(kMountPoints) + 16;
    std::map<std::string, u64> directory_bytes;
    for (auto& [path, node] : tree.nodes()) {
        inodes++;
        std::string parent = path.substr(0, path.rfind('/'));
        directory_bytes[parent] += 8 + ((path.size() - parent.size() + 3) & ~u64{3});
        if (node.type == ImageNode::Type::File) blocks += blocks_for(node.size) + blocks_for(node.size) / 340 + 1;
        if (node.type == ImageNode::Type::Symlink && node.size >= 60) blocks++;
    }
    for (auto& [path, bytes] : directory_bytes) blocks += blocks_for(bytes) + 1;
    DiskPlan plan;
    plan.inodes = inodes + inodes / 4 + 4096;
    u64 used = blocks * kDiskBlock + plan.inodes * 256;
    plan.bytes = (used + used / 8 + 128 * kDiskMiB + kDiskMiB - 1) / kDiskMiB * kDiskMiB;
    return plan;
}

// Fills a file system mke2fs just made: one libs/ext4 transaction per operation, written
// straight home (nothing else uses the disk meanwhile, and a failed build leaves no
// image, so no journal is needed).
class DiskFiller {
public:
    DiskFiller(HostDisk& disk, std::string& error) : m_disk(disk), m_error(error) {}

    bool open() {
        auto volume = ext4::Volume::open(m_disk);
        if (volume.is_error()) return fail("the new file system", volume.error());
        u32 block_size = volume.value().superblock().block_size;
        m_tx_memory.resize(ext4::Transaction::memory_for(kSlots, block_size) / 8 + 1);
        m_tx.emplace(m_disk, block_size,
                     std::span<u8>(reinterpret_cast<u8*>(m_tx_memory.data()), m_tx_memory.size() * 8));
        m_writer_memory.resize(ext4::Writer::memory_size(block_size));
        auto writer = ext4::Writer::open(*m_tx, m_writer_memory);
        if (writer.is_error()) return fail("the new file system", writer.error());
        m_writer.emplace(writer.release_value());
        m_inodes["/"] = ext4::kRootInode;
        return true;
    }

    bool add(const std::string& path, const ImageNode& node) {
        std::string parent_path = path.substr(0, path.rfind('/'));
        if (parent_path.empty()) parent_path = "/";
        auto parent = m_inodes.find(parent_path);
        if (parent == m_inodes.end()) {
            m_error = "cannot write " + path + " into the disk image: its directory is not there";
            return false;
        }
        std::string_view name = std::string_view(path).substr(path.rfind('/') + 1);
        ext4::Timestamp time{node.mtime, 0};
        switch (node.type) {
        case ImageNode::Type::Directory: {
            auto made = run(m_writer->mkdir(parent->second, name, {u16(0040000 | node.permissions), 0, 0, time}));
            if (made.is_error()) return fail(path, made.error());
            m_inodes[path] = made.value();
            m_directories.push_back({made.value(), node.mtime});
            return true;
        }
        case ImageNode::Type::Symlink: {
            auto made = run(m_writer->symlink(parent->second, name, node.data, {0120777, 0, 0, time}));
            return made.is_ok() || fail(path, made.error());
        }
        case ImageNode::Type::File:
            return add_file(path, parent->second, name, node);
        }
        return false;
    }

    // The kernel's mount points, where the tree has none.
    bool add_mount_points(const ImageTree& tree) {
        for (const MountPoint& point : kMountPoints) {
            if (tree.find(point.path)) continue;
            auto made = run(m_writer->mkdir(ext4::kRootInode, point.path + 1, {u16(0040000 | point.permissions), 0, 0, {}}));
            if (made.is_error()) return fail(point.path, made.error());
        }
        return true;
    }

    // Adding entries moved each directory's time to its own; the tree's times back.
    bool finish() {
        for (auto& [inode, mtime] : m_directories) {
            ext4::Timestamp time{mtime, 0};
            ext4::Attributes attributes;
            attributes.atime = attributes.mtime = attributes.now = time;
            if (auto done = run(m_writer->set_attributes(inode, attributes)); done.is_error())
                return fail("a directory's time", done.error());
        }
        if (auto flushed = m_disk.flush(); flushed.is_error()) return fail("the image", flushed.error());
        return true;
    }

private:
    // Enough for any one operation: a write of kChunk bytes touches a few bitmaps, group
    // descriptors and extent blocks.
    static constexpr u32 kSlots = 256;
    static constexpr u64 kChunk = 8 * kDiskMiB;

    template <typename T>
    Result<T> run(Result<T> result) {
        if (result.is_error()) {
            m_tx->abort();
            return result;
        }
        if (auto home = m_tx->write_home(); home.is_error()) {
            m_tx->abort();
            return Error(home.error());
        }
        m_tx->clear();
        return result;
    }

    bool fail(const std::string& what, int error) {
        m_error = "cannot write " + what + " into the disk image: " +
                  (error == ENOSPC ? std::string("the file system is full") : strerror(error));
        return false;
    }

    bool add_file(const std::string& path, u32 parent, std::string_view name, const ImageNode& node) {
        ext4::Timestamp time{node.mtime, 0};
        // Names of one host inode (ImageTree keeps them so) stay one inode.
        std::pair<u64, u64> host{node.host_device, node.host_inode};
        if (!node.host_path.empty() && node.host_hard_linked) {
            if (auto first = m_linked.find(host); first != m_linked.end()) {
                auto linked = run(m_writer->link(parent, name, first->second, time));
                return linked.is_ok() || fail(path, linked.error());
            }
        }
        auto made = run(m_writer->create(parent, name, {u16(0100000 | node.permissions), 0, 0, time}));
        if (made.is_error()) return fail(path, made.error());
        if (!node.host_path.empty() && node.host_hard_linked) m_linked[host] = made.value();
        MappedFile mapped;
        std::span<const u8> bytes;
        if (!node.host_path.empty()) {
            if (!mapped.open(node.host_path, m_error)) return false;
            bytes = mapped.bytes();
            if (bytes.size() != node.size) {
                m_error = "cannot add " + node.host_path + " to the image: it changed size while the image was built";
                return false;
            }
        } else if (node.from_view) {
            bytes = node.view;
        } else {
            bytes = {reinterpret_cast<const u8*>(node.data.data()), node.data.size()};
        }
        for (u64 at = 0; at < bytes.size(); at += kChunk) {
            auto piece = bytes.subspan(at, std::min<u64>(kChunk, bytes.size() - at));
            auto written = run(m_writer->write(made.value(), at, piece, time));
            if (written.is_error()) return fail(path, written.error());
        }
        // Writing moved the file's times on; the tree's back.
        ext4::Attributes attributes;
        attributes.atime = attributes.mtime = attributes.now = time;
        auto timed = run(m_writer->set_attributes(made.value(), attributes));
        return timed.is_ok() || fail(path, timed.error());
    }

    HostDisk& m_disk;
    std::string& m_error;
    std::vector<u64> m_tx_memory;  // u64: the slots' alignment
    std::vector<u8> m_writer_memory;
    std::optional<ext4::Transaction> m_tx;
    std::optional<ext4::Writer> m_writer;
    std::map<std::string, u32> m_inodes;  // directories written so far, by path
    std::map<std::pair<u64, u64>, u32> m_linked;
    std::vector<std::pair<u32, u32>> m_directories;  // (inode, mtime)
};

// The disk's tree as an ImageTree (sizes, modes, times, symlink targets; no contents),
// for osprey inspect. Bounded: a directory loop or a tree deeper than 64 ends the walk.
class TreeReader final : public ext4::DirVisitor {
public:
    TreeReader(ext4::Volume& volume, std::vector<u8>& scratch, ImageTree& tree)
        : m_volume(volume), m_scratch(scratch), m_tree(tree) {}

    bool visit(const ext4::DirEntry& entry) override {
        if (entry.name != "." && entry.name != "..") m_entries.emplace_back(std::string(entry.name), entry.inode);
        return m_entries.size() < 1000000;
    }

    bool read(u32 directory, const std::string& path, int depth, std::string& error) {
        // Each directory once: a hostile disk's entries may lead back up.
        if (depth > 64 || !m_visited.insert(directory).second) return true;
        auto inode = m_volume.read_inode(directory, m_scratch);
        if (inode.is_error()) return fail(path, inode.error(), error);
        m_entries.clear();
        if (auto walked = m_volume.for_each_entry(inode.value(), *this, m_scratch); walked.is_error())
            return fail(path, walked.error(), error);
        auto entries = std::move(m_entries);
        for (auto& [name, number] : entries) {
            std::string child = path + "/" + name;
            auto node = m_volume.read_inode(number, m_scratch);
            if (node.is_error()) return fail(child, node.error(), error);
            const ext4::Inode& on_disk = node.value();
            u32 mtime = static_cast<u32>(on_disk.mtime.seconds);
            bool ok = true;
            if (on_disk.is_directory()) {
                ok = m_tree.add_directory(child, on_disk.mode & 07777, mtime, error) && read(number, child, depth + 1, error);
            } else if (on_disk.is_symlink()) {
                std::vector<char> target(4096);
                auto length = m_volume.read_symlink(on_disk, target, m_scratch);
                if (length.is_error()) return fail(child, length.error(), error);
                ok = m_tree.add_symlink(child, std::string(target.data(), length.value()), mtime, error);
            } else if (on_disk.is_regular()) {
                ImageNode file;
                file.permissions = on_disk.mode & 07777;
                file.mtime = mtime;
                file.size = on_disk.size;
                ok = m_tree.add_file(child, std::move(file), error);
            }
            if (!ok) return false;
        }
        return true;
    }

private:
    static bool fail(const std::string& path, int code, std::string& error) {
        error = "cannot read " + (path.empty() ? std::string("/") : path) + " on the disk: " + strerror(code);
        return false;
    }

    ext4::Volume& m_volume;
    std::vector<u8>& m_scratch;
    ImageTree& m_tree;
    std::vector<std::pair<std::string, u32>> m_entries;
    std::set<u32> m_visited;
};

}  // namespace

bool write_disk_image(const ImageTree& tree, const std::string& path, DiskImageFigures& figures, std::string& error,
                      const std::function<bool()>& stopped) {
    DiskPlan plan = plan_disk(tree);
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "cannot create " + path + ": " + strerror(errno);
        return false;
    }
    FileCloser closer(fd);
    // Sparse: mke2fs's lazy inode tables and journal leave what nothing uses unwritten.
    if (ftruncate(fd, static_cast<off_t>(plan.bytes)) != 0) {
        error = "cannot size " + path + ": " + strerror(errno);
        return false;
    }
    if (!make_ext4(path, {"-b", "4096", "-N", std::to_string(plan.inodes), "-m", "0", "-L", "osprey-root", "-E",
                          "lazy_itable_init=1,lazy_journal_init=1"})) {
        error = std::string("cannot make an ext4 file system in ") + path + " " + kMke2fsHint;
        return false;
    }
    HostDisk disk(fd);
    DiskFiller filler(disk, error);
    if (!filler.open()) return false;
    for (auto& [node_path, node] : tree.nodes()) {
        if (stopped && stopped()) {
            error.clear();
            return false;
        }
        if (!filler.add(node_path, node)) return false;
        figures.files += node.type == ImageNode::Type::File;
    }
    if (!filler.add_mount_points(tree) || !filler.finish()) return false;
    struct stat st{};
    fstat(fd, &st);
    figures.size = plan.bytes;
    figures.allocated = static_cast<u64>(st.st_blocks) * 512;
    return true;
}

bool looks_like_disk_image(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    // The superblock's magic, and what else makes it one: a block size of 1 to 64 KiB
    // (s_log_block_size), inodes and blocks. A program or an archive that happens to
    // hold 53 EF at byte 1080 is not taken for a disk.
    u8 head[4] = {}, sb[64] = {};
    bool read = pread(fd, head, 4, 0) == 4 && pread(fd, sb, sizeof sb, 1024) == static_cast<ssize_t>(sizeof sb);
    close(fd);
    auto le32 = [&](int at) { return u32(sb[at]) | u32(sb[at + 1]) << 8 | u32(sb[at + 2]) << 16 | u32(sb[at + 3]) << 24; };
    bool program = head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
    return read && !program && sb[56] == 0x53 && sb[57] == 0xef && le32(24) <= 6 && le32(0) > 0 && le32(4) > 0;
}

std::optional<LoadedDiskImage> load_disk_image(const std::string& path, bool with_tree, std::string& error) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = path + ": " + (errno == ENOENT ? std::string("no such file") : strerror(errno));
        return std::nullopt;
    }
    FileCloser closer(fd);
    struct stat st{};
    fstat(fd, &st);
    HostDisk disk(fd);
    auto volume = ext4::Volume::open(disk);
    if (volume.is_error()) {
        error = path + ": an ext4 file system libs/ext4 cannot read (" + strerror(volume.error()) + ")";
        return std::nullopt;
    }
    const ext4::Superblock& sb = volume.value().superblock();
    std::vector<u8> scratch(2 * usize(sb.block_size));
    // One /.osprey file, whole (they are small: at most 1 MiB read).
    auto read_file = [&](const char* name, std::string& out) -> bool {
        auto number = volume.value().resolve(name, scratch);
        if (number.is_error()) return false;
        auto inode = volume.value().read_inode(number.value(), scratch);
        if (inode.is_error() || !inode.value().is_regular() || inode.value().size > kDiskMiB) return false;
        out.resize(inode.value().size);
        auto got = volume.value().read_file(inode.value(), 0, {reinterpret_cast<u8*>(out.data()), out.size()}, scratch);
        return got.is_ok() && got.value() == out.size();
    };
    LoadedDiskImage image;
    std::string app, info;
    if (!read_file(".osprey/app", app)) {
        error = path + ": an ext4 disk, but not an Osprey image (no readable " + std::string(protocol::kAppConfigPath) + ")";
        return std::nullopt;
    }
    if (!decode_app_spec(app, image.spec)) {
        error = path + ": " + std::string(protocol::kAppConfigPath) + " is malformed";
        return std::nullopt;
    }
    if (read_file(".osprey/image.json", info) && !decode_image_info(info, image.info)) {
        error = path + ": " + kImageInfoPath + " is malformed";
        return std::nullopt;
    }
    image.info.root = "ext4";
    image.file_size = static_cast<u64>(st.st_size);
    if (with_tree) {
        TreeReader reader(volume.value(), scratch, image.tree);
        if (!reader.read(ext4::kRootInode, "", 0, error)) {
            error = path + ": " + error;
            return std::nullopt;
        }
    }
    image.used_bytes = (sb.blocks_count - std::min(sb.blocks_count, sb.free_blocks)) * sb.block_size;
    return image;
}

}  // namespace osprey
