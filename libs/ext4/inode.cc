#include "ext4/inode.h"

#include <optional>

#include "crypto/crc32c.h"
#include "ext4/bytes.h"

namespace ext4 {

namespace {

constexpr usize kMode = 0x0, kUid = 0x2, kSizeLo = 0x4, kAtime = 0x8, kCtime = 0xC,
                kMtime = 0x10, kDtime = 0x14, kGid = 0x18, kLinks = 0x1A, kBlocksLo = 0x1C,
                kInodeFlagsOffset = 0x20, kBlock = 0x28, kGeneration = 0x64, kFileAclLo = 0x68,
                kSizeHigh = 0x6C, kBlocksHi = 0x74, kFileAclHi = 0x76, kUidHi = 0x78,
                kGidHi = 0x7A, kChecksumLo = 0x7C, kExtraIsize = 0x80, kChecksumHi = 0x82,
                kCtimeExtra = 0x84, kMtimeExtra = 0x88, kAtimeExtra = 0x8C, kCrtime = 0x90,
                kCrtimeExtra = 0x94;
constexpr usize kBaseSize = 128;

// Whether the extra part holds the field ending at byte `end`.
bool has_extra(usize inode_size, u16 extra_isize, usize end) {
    return inode_size > kBaseSize && kBaseSize + extra_isize >= end;
}

// The low two bits of an *_extra field widen the seconds to 34 bits; the rest are
// nanoseconds.
Timestamp decode_time(u32 seconds, std::optional<u32> extra) {
    Timestamp t{i64(i32(seconds)), 0};
    if (extra) {
        t.seconds += i64(u64(*extra & 3) << 32);
        t.nanoseconds = *extra >> 2;
    }
    return t;
}

u32 encode_extra(const Timestamp& t) {
    u32 epoch = u32(u64(t.seconds - i64(i32(u32(t.seconds)))) >> 32) & 3;
    return (t.nanoseconds << 2) | epoch;
}

}  // namespace

u32 inode_checksum(const Superblock& sb, std::span<const u8> b, u32 number) {
    u8 word[4];
    const u8 zero[2] = {0, 0};
    put32(word, 0, number);
    u32 crc = crypto::crc32c_update(sb.checksum_seed, word);
    put32(word, 0, le32(b, kGeneration));
    crc = crypto::crc32c_update(crc, word);
    crc = crypto::crc32c_update(crc, b.first(kChecksumLo));
    crc = crypto::crc32c_update(crc, zero);
    crc = crypto::crc32c_update(crc, b.subspan(kChecksumLo + 2, kBaseSize - kChecksumLo - 2));
    if (sb.inode_size <= kBaseSize) return crc;
    crc = crypto::crc32c_update(crc, b.subspan(kExtraIsize, 2));
    bool has_hi = has_extra(sb.inode_size, le16(b, kExtraIsize), kChecksumHi + 2);
    crc = crypto::crc32c_update(crc, has_hi ? std::span<const u8>(zero) : b.subspan(kChecksumHi, 2));
    return crypto::crc32c_update(crc, b.subspan(kChecksumHi + 2, sb.inode_size - kChecksumHi - 2));
}

Result<Inode> parse_inode(const Superblock& sb, std::span<const u8> b, u32 number, Diagnosis* diagnosis) {
    if (b.size() < sb.inode_size || number == 0 || number > sb.inodes_count)
        return refuse(diagnosis, "inode out of range");
    Inode n;
    n.number = number;
    if (sb.inode_size > kBaseSize) {
        n.extra_isize = le16(b, kExtraIsize);
        if (n.extra_isize > sb.inode_size - kBaseSize || n.extra_isize % 4)
            return refuse(diagnosis, "bad extra inode size");
    }
    if (sb.metadata_csum()) {
        u32 crc = inode_checksum(sb, b, number);
        bool has_hi = has_extra(sb.inode_size, n.extra_isize, kChecksumHi + 2);
        u32 stored = le16(b, kChecksumLo) | (has_hi ? u32(le16(b, kChecksumHi)) << 16 : 0);
        if ((has_hi ? crc : crc & 0xFFFF) != stored) return refuse(diagnosis, "inode checksum mismatch");
    }
    n.mode = le16(b, kMode);
    n.uid = le16(b, kUid) | (u32(le16(b, kUidHi)) << 16);
    n.gid = le16(b, kGid) | (u32(le16(b, kGidHi)) << 16);
    n.size = le32(b, kSizeLo) | (u64(le32(b, kSizeHigh)) << 32);
    n.links_count = le16(b, kLinks);
    n.flags = le32(b, kInodeFlagsOffset);
    n.generation = le32(b, kGeneration);
    n.file_acl = le32(b, kFileAclLo) | (u64(le16(b, kFileAclHi)) << 32);
    n.blocks_512 = le32(b, kBlocksLo);
    if (sb.has_ro_compat(ro_compat::kHugeFile)) {
        n.blocks_512 |= u64(le16(b, kBlocksHi)) << 32;
        if (n.flags & kFlagHugeFile) n.blocks_512 *= sb.block_size / 512;
    }
    auto extra = [&](usize at) -> std::optional<u32> {
        if (!has_extra(sb.inode_size, n.extra_isize, at + 4)) return std::nullopt;
        return le32(b, at);
    };
    n.atime = decode_time(le32(b, kAtime), extra(kAtimeExtra));
    n.ctime = decode_time(le32(b, kCtime), extra(kCtimeExtra));
    n.mtime = decode_time(le32(b, kMtime), extra(kMtimeExtra));
    n.dtime = decode_time(le32(b, kDtime), std::nullopt);
    if (extra(kCrtime)) n.crtime = decode_time(le32(b, kCrtime), extra(kCrtimeExtra));
    for (usize i = 0; i < kInodeBlockBytes; i++) n.block[i] = b[kBlock + i];

    if (n.flags & kFlagInlineData) return refuse(diagnosis, "inline data unsupported");
    if (n.uses_extents() && !sb.has_incompat(incompat::kExtents))
        return refuse(diagnosis, "extent inode without the extents feature");
    u8 word[4];
    put32(word, 0, number);
    n.checksum_seed = crypto::crc32c_update(sb.checksum_seed, word);
    put32(word, 0, n.generation);
    n.checksum_seed = crypto::crc32c_update(n.checksum_seed, word);
    return n;
}

void encode_inode(const Superblock& sb, const Inode& n, std::span<u8> b) {
    put16(b, kMode, n.mode);
    put16(b, kUid, u16(n.uid));
    put16(b, kUidHi, u16(n.uid >> 16));
    put16(b, kGid, u16(n.gid));
    put16(b, kGidHi, u16(n.gid >> 16));
    put32(b, kSizeLo, u32(n.size));
    put32(b, kSizeHigh, u32(n.size >> 32));
    put16(b, kLinks, u16(n.links_count));
    put32(b, kInodeFlagsOffset, n.flags & ~kFlagHugeFile);  // i_blocks always in 512-byte units here
    put32(b, kGeneration, n.generation);
    put32(b, kFileAclLo, u32(n.file_acl));
    put16(b, kFileAclHi, u16(n.file_acl >> 32));
    put32(b, kBlocksLo, u32(n.blocks_512));
    put16(b, kBlocksHi, u16(n.blocks_512 >> 32));
    put32(b, kAtime, u32(n.atime.seconds));
    put32(b, kCtime, u32(n.ctime.seconds));
    put32(b, kMtime, u32(n.mtime.seconds));
    put32(b, kDtime, u32(n.dtime.seconds));
    for (usize i = 0; i < kInodeBlockBytes; i++) b[kBlock + i] = n.block[i];
    if (sb.inode_size > kBaseSize) {
        put16(b, kExtraIsize, n.extra_isize);
        auto put_extra = [&](usize at, u32 value) {
            if (has_extra(sb.inode_size, n.extra_isize, at + 4)) put32(b, at, value);
        };
        put_extra(kAtimeExtra, encode_extra(n.atime));
        put_extra(kCtimeExtra, encode_extra(n.ctime));
        put_extra(kMtimeExtra, encode_extra(n.mtime));
        put_extra(kCrtime, u32(n.crtime.seconds));
        put_extra(kCrtimeExtra, encode_extra(n.crtime));
    }
    if (!sb.metadata_csum()) return;
    u32 crc = inode_checksum(sb, b, n.number);
    put16(b, kChecksumLo, u16(crc));
    if (has_extra(sb.inode_size, n.extra_isize, kChecksumHi + 2)) put16(b, kChecksumHi, u16(crc >> 16));
}

}  // namespace ext4
