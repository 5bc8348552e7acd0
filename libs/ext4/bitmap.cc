#include "ext4/bitmap.h"

#include <bit>

namespace ext4 {

std::optional<u32> allocate_bit(std::span<u8> bitmap, u32 count, u32 goal) {
    if (count == 0 || (u64(count) + 7) / 8 > bitmap.size()) return std::nullopt;
    if (goal >= count) goal = 0;
    for (u32 step = 0; step < count; step++) {
        u32 bit = goal + step < count ? goal + step : goal + step - count;
        // Skip a whole byte of used bits at once.
        if (bit % 8 == 0 && bitmap[bit / 8] == 0xFF && count - bit >= 8 && step + 8 <= count) {
            step += 7;
            continue;
        }
        if (!test_bit(bitmap, bit)) {
            set_bit(bitmap, bit);
            return bit;
        }
    }
    return std::nullopt;
}

u32 count_set_bits(std::span<const u8> bitmap, u32 count) {
    u32 set = 0;
    u32 whole = count / 8;
    for (u32 i = 0; i < whole && i < bitmap.size(); i++) set += u32(std::popcount(bitmap[i]));
    for (u32 bit = whole * 8; bit < count && bit / 8 < bitmap.size(); bit++) set += test_bit(bitmap, bit);
    return set;
}

}  // namespace ext4
