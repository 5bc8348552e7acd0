// Shared by the ext4_writer*_test.cc files: an image made by mke2fs held in memory, a
// Transaction and a Writer over it, each operation committed or dropped as the kernel
// will with its journal, and the checks every test makes (e2fsck, free counts).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ext4/transaction.h"
#include "ext4/writer.h"
#include "ext4_test_support.h"

namespace ext4_test {

class MemoryDevice final : public ext4::BlockDevice {
public:
    Result<void> read(u64 offset, std::span<u8> out) override {
        if (offset > bytes.size() || out.size() > bytes.size() - offset) return Error(EIO);
        std::copy_n(bytes.begin() + std::ptrdiff_t(offset), out.size(), out.begin());
        return {};
    }
    Result<void> flush() override { return {}; }
    Result<void> write(u64 offset, std::span<const u8> data) override {
        if (offset > bytes.size() || data.size() > bytes.size() - offset) return Error(EIO);
        std::copy(data.begin(), data.end(), bytes.begin() + std::ptrdiff_t(offset));
        return {};
    }
    std::vector<u8> bytes;
    u32 block_size = 0;
};

inline std::span<const u8> as_bytes(const std::string& text) {
    return {reinterpret_cast<const u8*>(text.data()), text.size()};
}

inline ext4::NewInode file_mode(u16 mode, i64 seconds = 1700000000) { return {mode, 1000, 1000, {seconds, 5}, 0, 0}; }

// An image, a transaction and a writer over it.
class WriterImage {
public:
    // false when mke2fs failed.
    bool make(const std::string& options, const std::string& size, const fs::path& source = {}) {
        fs::path tree = source.empty() ? temp.path() / "empty" : source;
        fs::create_directories(tree);
        image = temp.path() / "ext4.img";
        if (!make_image(tree, image, options, size)) return false;
        device.bytes = read_bytes(image);
        return open();
    }
    bool open() {
        MemoryReader probe(device.bytes);
        auto volume = ext4::Volume::open(probe);
        if (volume.is_error()) return false;
        sb = volume.value().superblock();
        device.block_size = sb.block_size;
        tx_memory.assign(ext4::Transaction::memory_for(kSlots, sb.block_size) / 8 + 1, 0);
        tx.emplace(device, sb.block_size, std::span<u8>(reinterpret_cast<u8*>(tx_memory.data()), tx_memory.size() * 8));
        writer_memory.assign(ext4::Writer::memory_size(sb.block_size), 0);
        auto opened = ext4::Writer::open(*tx, writer_memory);
        if (opened.is_error()) return false;
        writer.emplace(opened.release_value());
        return true;
    }
    // Ends the operation's transaction: written home (after checking the list the journal
    // would get) when it succeeded, dropped when it failed.
    template <typename T>
    Result<T> run(Result<T> result) {
        if (result.is_error()) {
            tx->abort();
            return result;
        }
        std::vector<ext4::DirtyBlock> list(tx->dirty_count());
        auto listed = tx->dirty_blocks(list);
        EXPECT_TRUE(listed.is_ok());
        for (usize i = 1; i < listed.value().size(); i++) EXPECT_LT(listed.value()[i - 1].block, listed.value()[i].block);
        EXPECT_TRUE(tx->write_home().is_ok());
        tx->clear();
        return result;
    }
    // e2fsck -fn finds the image clean, and the free counts agree: the superblock's
    // with the descriptors' sum, each descriptor's with its bitmaps (e2fsck -n lets a
    // wrong superblock count pass silently).
    bool fsck(std::string* report) {
        write_bytes(image, device.bytes);
        if (!fsck_clean(image, report)) return false;
        MemoryReader reader(device.bytes);
        auto volume = ext4::Volume::open(reader);
        if (volume.is_error()) return false;
        std::vector<u8> scratch(volume.value().scratch_size()), bitmap(sb.block_size);
        u64 free_blocks = 0, free_inodes = 0;
        for (u32 g = 0; g < sb.group_count; g++) {
            auto desc = volume.value().group(g, scratch);
            if (desc.is_error() || volume.value().read_block_bitmap(g, bitmap, scratch).is_error()) return false;
            u32 used_blocks = 0, used_inodes = 0;
            for (u32 bit = 0; bit < sb.blocks_in_group(g); bit++) used_blocks += (bitmap[bit / 8] >> (bit % 8)) & 1;
            if (volume.value().read_inode_bitmap(g, bitmap, scratch).is_error()) return false;
            for (u32 bit = 0; bit < sb.inodes_per_group; bit++) used_inodes += (bitmap[bit / 8] >> (bit % 8)) & 1;
            if (sb.blocks_in_group(g) - used_blocks != desc.value().free_blocks ||
                sb.inodes_per_group - used_inodes != desc.value().free_inodes) {
                if (report) *report = "group " + std::to_string(g) + " free counts disagree with its bitmaps";
                return false;
            }
            free_blocks += desc.value().free_blocks;
            free_inodes += desc.value().free_inodes;
        }
        const ext4::Superblock now = volume.value().superblock();
        if (now.free_blocks != free_blocks || now.free_inodes != free_inodes) {
            if (report) *report = "superblock free counts disagree with the groups'";
            return false;
        }
        return true;
    }
    std::string debugfs(const std::string& request) {
        write_bytes(image, device.bytes);
        return run_command("debugfs -R '" + request + "' " + quote(image) + " 2>/dev/null");
    }
    static std::string run_command(const std::string& command) { return ext4_test::run(command); }
    ext4::Superblock current_superblock() {
        return ext4::parse_superblock(std::span<const u8>(device.bytes).subspan(1024, 1024)).value_or(ext4::Superblock{});
    }
    std::string read_file(u32 number) {
        ext4::Volume& volume = writer->volume();
        std::vector<u8> scratch(volume.scratch_size());
        auto inode = volume.read_inode(number, scratch);
        EXPECT_TRUE(inode.is_ok()) << number;
        if (inode.is_error()) return {};
        std::string out(inode.value().size, '\0');
        auto n = volume.read_file(inode.value(), 0, std::span<u8>(reinterpret_cast<u8*>(out.data()), out.size()), scratch);
        EXPECT_TRUE(n.is_ok()) << number << " " << volume.diagnosis().reason;
        return out;
    }
    std::map<std::string, u32> entries(u32 dir) {
        struct Lister final : ext4::DirVisitor {
            bool visit(const ext4::DirEntry& e) override {
                names[std::string(e.name)] = e.inode;
                return true;
            }
            std::map<std::string, u32> names;
        } lister;
        ext4::Volume& volume = writer->volume();
        std::vector<u8> scratch(volume.scratch_size());
        auto inode = volume.read_inode(dir, scratch);
        EXPECT_TRUE(inode.is_ok());
        EXPECT_TRUE(volume.for_each_entry(inode.value(), lister, scratch).is_ok()) << volume.diagnosis().reason;
        return lister.names;
    }
    ext4::Inode inode(u32 number) {
        auto n = writer->inode(number);
        EXPECT_TRUE(n.is_ok()) << number;
        return n.value_or(ext4::Inode{});
    }

    static constexpr u32 kSlots = 4096;
    TempDir temp;
    fs::path image;
    MemoryDevice device;
    ext4::Superblock sb;
    std::vector<u64> tx_memory;  // 8-byte aligned for the slots
    std::optional<ext4::Transaction> tx;
    std::vector<u8> writer_memory;
    std::optional<ext4::Writer> writer;
};

}  // namespace ext4_test
