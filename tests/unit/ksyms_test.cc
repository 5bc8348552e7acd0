#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ksyms/symbol_table.h"


namespace {

using ksyms::SymbolInput;

std::vector<u8> encode(const std::vector<SymbolInput>& symbols) {
    auto needed = ksyms::encode(symbols, {});
    EXPECT_TRUE(needed.is_ok());
    std::vector<u8> blob(needed.value());
    auto written = ksyms::encode(symbols, blob);
    EXPECT_TRUE(written.is_ok());
    EXPECT_EQ(written.value(), blob.size());
    return blob;
}

// "name+0xoffset", or "?" when the address is not inside any symbol.
std::string symbolize(std::span<const u8> blob, u64 address) {
    auto found = ksyms::lookup(blob, address);
    if (!found) return "?";
    char offset[32];
    std::snprintf(offset, sizeof offset, "+%#llx", static_cast<unsigned long long>(found->offset));
    return std::string(found->name) + (found->offset ? offset : "");
}

// A kernel-like layout: two sized functions with a gap between them, an assembly entry
// label (size 0) and the end of .text.
std::vector<u8> sample_blob() {
    return encode({
        {0x1000, 0x40, "kernel_main"},
        {0x1080, 0x10, "text::format_to(Sink&)"},
        {0x10a0, 0, "syscall_entry"},
        {0x10c0, 0x20, "panic"},
        {0x1100, 0, ""},  // end of .text
    });
}

TEST(KsymsLookup, AddressAtSymbolStartHasOffsetZero) {
    auto blob = sample_blob();
    auto found = ksyms::lookup(blob, 0x1000);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->name, "kernel_main");
    EXPECT_EQ(found->offset, 0u);
    EXPECT_EQ(found->symbol_address, 0x1000u);
}

TEST(KsymsLookup, AddressInsideSymbolGivesOffset) {
    auto blob = sample_blob();
    EXPECT_EQ(symbolize(blob, 0x1012), "kernel_main+0x12");
    EXPECT_EQ(symbolize(blob, 0x1085), "text::format_to(Sink&)+0x5");
}

TEST(KsymsLookup, LastByteIsInsideAndOneAfterTheEndIsNot) {
    auto blob = sample_blob();
    EXPECT_EQ(symbolize(blob, 0x103f), "kernel_main+0x3f");
    EXPECT_EQ(symbolize(blob, 0x1040), "?");  // gap between kernel_main and format_to
    EXPECT_EQ(symbolize(blob, 0x107f), "?");
}

TEST(KsymsLookup, AddressesOutsideEverySymbolAreUnknown) {
    auto blob = sample_blob();
    EXPECT_EQ(symbolize(blob, 0), "?");
    EXPECT_EQ(symbolize(blob, 0xfff), "?");
    EXPECT_EQ(symbolize(blob, 0x1100), "?");  // the end-of-text marker
    EXPECT_EQ(symbolize(blob, ~0ull), "?");
}

TEST(KsymsLookup, SizeZeroLabelRunsUntilTheNextSymbol) {
    auto blob = sample_blob();
    EXPECT_EQ(symbolize(blob, 0x10a0), "syscall_entry");
    EXPECT_EQ(symbolize(blob, 0x10bf), "syscall_entry+0x1f");
    EXPECT_EQ(symbolize(blob, 0x10c0), "panic");
}

TEST(KsymsLookup, SizeZeroLabelWithNothingAfterItClaimsNothing) {
    auto blob = encode({{0x1000, 0x10, "f"}, {0x2000, 0, "trailing_label"}});
    EXPECT_EQ(symbolize(blob, 0x2000), "?");
    EXPECT_EQ(symbolize(blob, 0x2008), "?");
    EXPECT_EQ(symbolize(blob, 0x1008), "f+0x8");
}

TEST(KsymsLookup, SizeZeroLabelStopsAtEndMarker) {
    auto blob = encode({{0x1000, 0, "entry"}, {0x1010, 0, ""}, {0x5000, 0x10, "g"}});
    EXPECT_EQ(symbolize(blob, 0x100f), "entry+0xf");
    EXPECT_EQ(symbolize(blob, 0x1010), "?");
    EXPECT_EQ(symbolize(blob, 0x4fff), "?");
}

TEST(KsymsLookup, SymbolEndingAtTopOfAddressSpaceDoesNotOverflow) {
    auto blob = encode({{~0ull - 0xf, 0x10, "top"}});
    EXPECT_EQ(symbolize(blob, ~0ull), "top+0xf");
}

TEST(KsymsLookup, EmptyTableFindsNothing) {
    auto blob = encode({});
    EXPECT_EQ(blob.size(), sizeof(ksyms::Header) + 1);
    EXPECT_TRUE(ksyms::validate(blob));
    EXPECT_FALSE(ksyms::lookup(blob, 0x1000).has_value());
}

TEST(KsymsLookup, BinarySearchAgreesWithLinearScanOnManySymbols) {
    std::vector<std::string> names;
    std::vector<SymbolInput> symbols;
    for (u64 i = 0; i < 1000; ++i) names.push_back("f" + std::to_string(i));
    for (u64 i = 0; i < 1000; ++i) symbols.push_back({0x100000 + i * 0x40, 0x30, names[i]});
    auto blob = encode(symbols);
    ASSERT_TRUE(ksyms::validate(blob));
    for (u64 address = 0xfff00; address < 0x100000 + 1000 * 0x40 + 0x100; address += 7) {
        std::string expected = "?";
        if (address >= 0x100000) {
            u64 index = (address - 0x100000) / 0x40, offset = (address - 0x100000) % 0x40;
            if (index < 1000 && offset < 0x30) {
                char buffer[64];
                std::snprintf(buffer, sizeof buffer, "f%llu+%#llx",
                              static_cast<unsigned long long>(index),
                              static_cast<unsigned long long>(offset));
                expected = offset ? buffer : names[index];
            }
        }
        ASSERT_EQ(symbolize(blob, address), expected) << std::hex << address;
    }
}

TEST(KsymsLookup, WorksOnAnUnalignedBlob) {
    auto blob = sample_blob();
    std::vector<u8> shifted(blob.size() + 1);
    std::memcpy(shifted.data() + 1, blob.data(), blob.size());
    EXPECT_EQ(symbolize(std::span<const u8>(shifted).subspan(1), 0x10c4), "panic+0x4");
}

TEST(KsymsBlob, HeaderAndLayoutMatchTheDocumentedFormat) {
    auto blob = encode({{0x1000, 0x40, "ab"}});
    ASSERT_EQ(blob.size(), 16u + 16u + 4u);  // "\0ab\0"
    EXPECT_EQ(std::string(blob.begin(), blob.begin() + 4), "KSYM");
    ksyms::Header header;
    std::memcpy(&header, blob.data(), sizeof header);
    EXPECT_EQ(header.version, ksyms::kVersion);
    EXPECT_EQ(header.count, 1u);
    EXPECT_EQ(header.strings_size, 4u);
    ksyms::Entry entry;
    std::memcpy(&entry, blob.data() + 16, sizeof entry);
    EXPECT_EQ(entry.address, 0x1000u);
    EXPECT_EQ(entry.size, 0x40u);
    EXPECT_EQ(entry.name_offset, 1u);
}

TEST(KsymsBlob, BadMagicOrVersionIsRejected) {
    auto blob = sample_blob();
    blob[0] = 'X';
    EXPECT_FALSE(ksyms::lookup(blob, 0x1000).has_value());
    EXPECT_FALSE(ksyms::validate(blob));
    blob = sample_blob();
    blob[4] = 2;
    EXPECT_FALSE(ksyms::lookup(blob, 0x1000).has_value());
    EXPECT_FALSE(ksyms::validate(blob));
}

TEST(KsymsBlob, EveryTruncationIsRejected) {
    auto blob = sample_blob();
    ASSERT_TRUE(ksyms::validate(blob));
    for (usize length = 0; length < blob.size(); ++length) {
        std::span<const u8> prefix(blob.data(), length);
        EXPECT_FALSE(ksyms::validate(prefix)) << length;
        EXPECT_FALSE(ksyms::lookup(prefix, 0x1000).has_value()) << length;
    }
}

TEST(KsymsBlob, HugeCountIsRejected) {
    auto blob = sample_blob();
    u32 count = 0xffffffff;
    std::memcpy(blob.data() + 8, &count, sizeof count);
    EXPECT_FALSE(ksyms::validate(blob));
    EXPECT_FALSE(ksyms::lookup(blob, 0x1000).has_value());
}

TEST(KsymsBlob, UnterminatedStringTableIsRejected) {
    auto blob = sample_blob();
    blob.back() = 'x';
    EXPECT_FALSE(ksyms::validate(blob));
    EXPECT_FALSE(ksyms::lookup(blob, 0x1000).has_value());
}

TEST(KsymsBlob, NameOffsetOutsideStringsFailsValidationAndLookupGivesNothing) {
    auto blob = sample_blob();
    u32 bad = 0x7fffffff;
    std::memcpy(blob.data() + 16 + 12, &bad, sizeof bad);  // entry 0's name_offset
    EXPECT_FALSE(ksyms::validate(blob));
    EXPECT_FALSE(ksyms::lookup(blob, 0x1000).has_value());
    EXPECT_EQ(symbolize(blob, 0x10c0), "panic");  // the rest still resolves
}

TEST(KsymsBlob, UnsortedEntriesFailValidation) {
    auto blob = sample_blob();
    u64 address = 0x2000;
    std::memcpy(blob.data() + 16, &address, sizeof address);
    EXPECT_FALSE(ksyms::validate(blob));
}

TEST(KsymsEncode, SizingCallWritesNothing) {
    std::vector<SymbolInput> symbols = {{0x10, 4, "f"}};
    std::vector<u8> small(10, 0xaa);
    auto needed = ksyms::encode(symbols, small);
    ASSERT_TRUE(needed.is_ok());
    EXPECT_EQ(needed.value(), 16u + 16u + 3u);
    EXPECT_EQ(small, std::vector<u8>(10, 0xaa));
}

TEST(KsymsEncode, UnsortedInputIsInvalid) {
    std::vector<SymbolInput> symbols = {{0x20, 4, "b"}, {0x10, 4, "a"}};
    EXPECT_EQ(ksyms::encode(symbols, {}).error(), EINVAL);
}

TEST(KsymsEncode, NameWithNulIsInvalid) {
    std::vector<SymbolInput> symbols = {{0x20, 4, std::string_view("a\0b", 3)}};
    EXPECT_EQ(ksyms::encode(symbols, {}).error(), EINVAL);
}

TEST(KsymsEncode, SizeAbove32BitsOverflows) {
    std::vector<SymbolInput> symbols = {{0x20, u64{1} << 32, "huge"}};
    EXPECT_EQ(ksyms::encode(symbols, {}).error(), EOVERFLOW);
}

}  // namespace
