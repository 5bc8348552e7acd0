// The name hashes of htree directories (Documentation/filesystems/ext4/directory.rst,
// "Hash Tree Directories"): legacy (dx_hack_hash), half MD4 and TEA, each in a signed and
// an unsigned char variant (the superblock's flags say which one mke2fs's host used).
// A name's 32-bit hash, low bit cleared, picks the leaf block that holds it.
#pragma once

#include <optional>
#include <string_view>

#include "base/types.h"

namespace ext4 {

enum class HashVersion : u8 {
    Legacy = 0,
    HalfMd4 = 1,
    Tea = 2,
    LegacyUnsigned = 3,
    HalfMd4Unsigned = 4,
    TeaUnsigned = 5,
    // 6 is SipHash, used only by casefolded directories, which this library refuses.
};

struct NameHash {
    u32 major = 0;  // low bit clear
    u32 minor = 0;
};

// The hash of `name` with `seed` (the superblock's s_hash_seed; all zero means the
// default seed). nullopt for a version this library does not know.
std::optional<NameHash> dx_hash(HashVersion version, std::string_view name, const u32 seed[4]);

// The version a directory's dx_root names, turned unsigned when the superblock says so.
inline HashVersion effective_hash_version(u8 root_version, bool unsigned_chars) {
    if (root_version <= u8(HashVersion::Tea) && unsigned_chars) return HashVersion(root_version + 3);
    return HashVersion(root_version);
}

}  // namespace ext4
