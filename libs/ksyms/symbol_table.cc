#include "ksyms/symbol_table.h"

#include <cstring>
#include <limits>

namespace ksyms {

namespace {

// A blob whose header and table bounds have been checked. The string table is known to end
// in NUL, so any name_offset inside it yields a terminated string.
struct View {
    std::span<const u8> entries;
    std::span<const u8> strings;
    u32 count;

    Entry entry(usize index) const {
        Entry entry;
        std::memcpy(&entry, entries.data() + index * sizeof(Entry), sizeof(Entry));
        return entry;
    }

    std::string_view name(u32 offset) const {
        if (offset >= strings.size()) return {};
        const char* start = reinterpret_cast<const char*>(strings.data()) + offset;
        usize length = 0;
        while (start[length] != '\0') ++length;
        return {start, length};
    }
};

std::optional<View> open(std::span<const u8> blob) {
    Header header;
    if (blob.size() < sizeof header) return std::nullopt;
    std::memcpy(&header, blob.data(), sizeof header);
    if (header.magic != kMagic || header.version != kVersion) return std::nullopt;
    // 32-bit fields: this sum cannot overflow a u64.
    u64 entries_size = u64{header.count} * sizeof(Entry);
    if (sizeof header + entries_size + header.strings_size > blob.size()) return std::nullopt;
    auto strings = blob.subspan(sizeof header + entries_size, header.strings_size);
    if (!strings.empty() && strings.back() != 0) return std::nullopt;
    return View{blob.subspan(sizeof header, entries_size), strings, header.count};
}

}  // namespace

std::optional<Symbolized> lookup(std::span<const u8> blob, u64 address) {
    auto view = open(blob);
    if (!view) return std::nullopt;

    // Upper bound: the first entry starting after `address`; the candidate is the one
    // before it (the last of any entries sharing its start).
    usize low = 0, high = view->count;
    while (low < high) {
        usize middle = low + (high - low) / 2;
        if (view->entry(middle).address <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0) return std::nullopt;
    Entry entry = view->entry(low - 1);
    std::string_view name = view->name(entry.name_offset);
    if (name.empty()) return std::nullopt;  // an end-of-range marker, or a corrupt offset

    u64 offset = address - entry.address;
    if (entry.size != 0) {
        if (offset >= entry.size) return std::nullopt;
    } else if (low == view->count) {
        // A label with nothing after it has no known end; claiming every higher address
        // would put a wrong name on a wild pointer.
        return std::nullopt;
    }
    return Symbolized{name, offset, entry.address};
}

bool validate(std::span<const u8> blob) {
    auto view = open(blob);
    if (!view) return false;
    u64 previous = 0;
    for (usize i = 0; i < view->count; ++i) {
        Entry entry = view->entry(i);
        if (entry.address < previous || entry.name_offset >= view->strings.size()) return false;
        previous = entry.address;
    }
    return true;
}

Result<usize> encode(std::span<const SymbolInput> symbols, std::span<u8> out) {
    if (symbols.size() > std::numeric_limits<u32>::max()) return Error(EOVERFLOW);
    // Offset 0 holds the empty name shared by every end-of-range marker.
    u64 strings_size = 1;
    for (usize i = 0; i < symbols.size(); ++i) {
        const SymbolInput& symbol = symbols[i];
        if (i > 0 && symbol.address < symbols[i - 1].address) return Error(EINVAL);
        if (symbol.size > std::numeric_limits<u32>::max()) return Error(EOVERFLOW);
        for (char c : symbol.name) {
            if (c == '\0') return Error(EINVAL);
        }
        if (!symbol.name.empty()) strings_size += symbol.name.size() + 1;
    }
    if (strings_size > std::numeric_limits<u32>::max()) return Error(EOVERFLOW);

    u64 entries_offset = sizeof(Header);
    u64 strings_offset = entries_offset + symbols.size() * sizeof(Entry);
    u64 total = strings_offset + strings_size;
    if (out.size() < total) return static_cast<usize>(total);

    Header header{kMagic, kVersion, static_cast<u32>(symbols.size()),
                  static_cast<u32>(strings_size)};
    std::memcpy(out.data(), &header, sizeof header);
    u8* strings = out.data() + strings_offset;
    strings[0] = 0;
    u32 next_name = 1;
    for (usize i = 0; i < symbols.size(); ++i) {
        const SymbolInput& symbol = symbols[i];
        Entry entry{symbol.address, static_cast<u32>(symbol.size), 0};
        if (!symbol.name.empty()) {
            entry.name_offset = next_name;
            std::memcpy(strings + next_name, symbol.name.data(), symbol.name.size());
            strings[next_name + symbol.name.size()] = 0;
            next_name += static_cast<u32>(symbol.name.size() + 1);
        }
        std::memcpy(out.data() + entries_offset + i * sizeof(Entry), &entry, sizeof entry);
    }
    return static_cast<usize>(total);
}

}  // namespace ksyms
