// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of ext4's metadata
// (metadata_csum), iSCSI and virtio. crc32c_update() is the raw register step with no
// inversion at either end, the form ext4 chains (seed, inode number, generation, bytes);
// crc32c() is the usual standalone checksum: ~crc32c_update(~0, ...).
#pragma once

#include <span>

#include "base/types.h"

namespace crypto {

// With SSE4.2's crc32 instruction where the CPU has it, else a table.
u32 crc32c_update(u32 crc, std::span<const u8> bytes);
// The table alone, byte by byte (what the instruction is checked against in the tests).
u32 crc32c_update_table(u32 crc, std::span<const u8> bytes);

inline u32 crc32c(std::span<const u8> bytes) { return ~crc32c_update(~0u, bytes); }

}  // namespace crypto
