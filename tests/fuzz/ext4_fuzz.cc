// libFuzzer target: arbitrary bytes as an ext4 volume (what a guest's disk image could
// hold). Volume::open(), then a bounded walk of the whole tree from the root: every
// directory listed and each of its names looked up again (htree where indexed), every
// inode read, file data read at its start and end, symlink targets, every group's
// descriptor and bitmaps. The seeds are tiny mke2fs images: with metadata_csum, without
// it (so that mutations get past the checksums into the structures), and without extents
// (block maps).
//
// Beyond not crashing or looping: every error is EINVAL with a reason or EIO (a read past
// the input); a name the listing gave is found again by lookup(); reads never return more
// than asked or past the file's size.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "ext4/volume.h"
#include "fuzz_check.h"

namespace {

class InputReader final : public ext4::BlockReader {
public:
    explicit InputReader(std::span<const u8> bytes) : m_bytes(bytes) {}
    Result<void> read(u64 offset, std::span<u8> out) override {
        if (offset > m_bytes.size() || out.size() > m_bytes.size() - offset) return Error(EIO);
        std::memcpy(out.data(), m_bytes.data() + offset, out.size());
        return {};
    }

private:
    std::span<const u8> m_bytes;
};

constexpr usize kMaxInodes = 256;
constexpr usize kMaxEntriesPerDir = 512;

template <typename T>
void check_error(const Result<T>& result, const ext4::Volume& volume) {
    if (result.is_ok()) return;
    FUZZ_CHECK(result.error() == EIO || result.error() == EINVAL || result.error() == ENOTDIR);
    if (result.error() == EINVAL) FUZZ_CHECK(!volume.diagnosis().ok());
}

struct Names final : ext4::DirVisitor {
    bool visit(const ext4::DirEntry& entry) override {
        FUZZ_CHECK(!entry.name.empty() && entry.name.size() <= ext4::kMaxNameLength && entry.inode != 0);
        entries.emplace_back(std::string(entry.name), entry.inode);
        return entries.size() < kMaxEntriesPerDir;
    }
    std::vector<std::pair<std::string, u32>> entries;
};

void read_file(ext4::Volume& volume, const ext4::Inode& inode, std::span<u8> scratch) {
    std::vector<u8> buffer(3000);
    auto head = volume.read_file(inode, 0, buffer, scratch);
    check_error(head, volume);
    if (head.is_ok()) FUZZ_CHECK(head.value() == std::min<u64>(inode.size, buffer.size()));
    if (inode.size > buffer.size()) {
        auto tail = volume.read_file(inode, inode.size - 100, buffer, scratch);
        check_error(tail, volume);
        if (tail.is_ok()) FUZZ_CHECK(tail.value() == 100);
    }
    auto past = volume.read_file(inode, inode.size, buffer, scratch);
    FUZZ_CHECK(past.is_ok() && past.value() == 0);
}

void walk(ext4::Volume& volume, std::span<u8> scratch) {
    std::vector<u32> pending = {ext4::kRootInode};
    std::set<u32> seen = {ext4::kRootInode};
    while (!pending.empty() && seen.size() < kMaxInodes) {
        u32 number = pending.back();
        pending.pop_back();
        auto inode = volume.read_inode(number, scratch);
        check_error(inode, volume);
        if (inode.is_error()) continue;
        if (inode.value().is_regular()) read_file(volume, inode.value(), scratch);
        if (inode.value().is_symlink()) {
            char target[4096];
            auto n = volume.read_symlink(inode.value(), target, scratch);
            check_error(n, volume);
            if (n.is_ok()) FUZZ_CHECK(n.value() == std::min<u64>(inode.value().size, sizeof target));
        }
        if (!inode.value().is_directory()) continue;
        Names names;
        auto listed = volume.for_each_entry(inode.value(), names, scratch);
        check_error(listed, volume);
        if (listed.is_error()) continue;
        for (auto& [name, child] : names.entries) {
            auto found = volume.lookup(inode.value(), name, scratch);
            check_error(found, volume);
            if (found.is_ok()) FUZZ_CHECK(found.value().has_value());
            if (seen.size() < kMaxInodes && seen.insert(child).second) pending.push_back(child);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    InputReader reader({data, size});
    ext4::Diagnosis diagnosis;
    auto opened = ext4::Volume::open(reader, &diagnosis);
    if (opened.is_error()) {
        FUZZ_CHECK(opened.error() == EIO || (opened.error() == EINVAL && !diagnosis.ok()));
        return 0;
    }
    ext4::Volume volume = opened.release_value();
    const ext4::Superblock& sb = volume.superblock();
    FUZZ_CHECK(sb.block_size >= 1024 && sb.block_size <= 65536 && sb.group_count > 0);
    std::vector<u8> scratch(volume.scratch_size());
    walk(volume, scratch);
    std::vector<u8> bitmap(sb.block_size);
    for (u32 group = 0; group < sb.group_count && group < 16; group++) {
        check_error(volume.group(group, scratch), volume);
        check_error(volume.read_block_bitmap(group, bitmap, scratch), volume);
        check_error(volume.read_inode_bitmap(group, bitmap, scratch), volume);
    }
    return 0;
}
