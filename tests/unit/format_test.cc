#include <gtest/gtest.h>

#include <string>

#include "text/format.h"

namespace {

template <typename... Args>
std::string fmt(std::string_view format, const Args&... args) {
    char buffer[256];
    return std::string(text::format_into(buffer, sizeof buffer, format, args...));
}

TEST(Format, PlainTextPassesThrough) { EXPECT_EQ(fmt("hello"), "hello"); }

TEST(Format, DecimalIntegersOfEverySign) {
    EXPECT_EQ(fmt("{} {} {}", 0, -42, 18446744073709551615ull), "0 -42 18446744073709551615");
    EXPECT_EQ(fmt("{}", INT64_MIN), "-9223372036854775808");
}

TEST(Format, HexWithPrefixAndZeroPadding) {
    EXPECT_EQ(fmt("{:x}", 255u), "ff");
    EXPECT_EQ(fmt("{:#x}", 255u), "0xff");
    EXPECT_EQ(fmt("{:016x}", 0xdeadu), "000000000000dead");
    EXPECT_EQ(fmt("{:#018x}", 0xdeadu), "0x000000000000dead");
    EXPECT_EQ(fmt("{:X}", 0xabcu), "ABC");
}

TEST(Format, WidthAndAlignment) {
    EXPECT_EQ(fmt("[{:5}]", 42), "[   42]");
    EXPECT_EQ(fmt("[{:<5}]", 42), "[42   ]");
    EXPECT_EQ(fmt("[{:*>6}]", "ab"), "[****ab]");
    EXPECT_EQ(fmt("[{:<4}]", "abcdef"), "[abcdef]");
}

TEST(Format, StringsCharsBoolsAndPointers) {
    std::string_view sv = "view";
    const char* null_string = nullptr;
    EXPECT_EQ(fmt("{} {} {} {}", sv, 'c', true, null_string), "view c true (null)");
    EXPECT_EQ(fmt("{}", reinterpret_cast<void*>(0x1000)), "0x1000");
}

TEST(Format, BracesEscapesAndMissingArguments) {
    EXPECT_EQ(fmt("{{}} {}", 1), "{} 1");
    EXPECT_EQ(fmt("{} {}", 1), "1 {?}");
    EXPECT_EQ(fmt("unterminated {", 1), "unterminated {");
}

TEST(Format, BufferSinkTruncatesAndTerminates) {
    char buffer[6];
    text::BufferSink sink(buffer, sizeof buffer);
    text::format_to(sink, "{}", "truncated");
    EXPECT_EQ(sink.view(), "trunc");
    EXPECT_TRUE(sink.truncated());
    EXPECT_EQ(buffer[5], '\0');
}

}  // namespace
