#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cmdline/cmdline.h"

using cmdline::CommandLine;

namespace {

constexpr std::string_view kExample =
    "loglevel=debug selftest=heap,frames quiet mem_hint=64M aslr=off "
    "init.arg=\"two words\" -- /bin/app arg1";

TEST(Cmdline, ParsesKeysValuesAndFlags) {
    auto cmdline = CommandLine::parse(kExample);
    EXPECT_EQ(cmdline.size(), 6u);
    EXPECT_EQ(cmdline.get("loglevel"), "debug");
    EXPECT_EQ(cmdline.get("selftest"), "heap,frames");
    EXPECT_TRUE(cmdline.has("quiet"));
    EXPECT_EQ(cmdline.get("quiet"), std::nullopt);
    EXPECT_EQ(cmdline.get("init.arg"), "two words");
    EXPECT_FALSE(cmdline.has("missing"));
    EXPECT_FALSE(cmdline.overflowed());
}

TEST(Cmdline, ValuesPointIntoTheOriginalText) {
    auto cmdline = CommandLine::parse(kExample);
    auto value = *cmdline.get("loglevel");
    EXPECT_GE(value.data(), kExample.data());
    EXPECT_LE(value.data() + value.size(), kExample.data() + kExample.size());
}

TEST(Cmdline, RestAfterDoubleDashIsVerbatim) {
    auto cmdline = CommandLine::parse("quiet --   /bin/app  a=b \"x y\" -- z");
    EXPECT_TRUE(cmdline.has_separator());
    EXPECT_EQ(cmdline.rest(), "/bin/app  a=b \"x y\" -- z");
    EXPECT_FALSE(cmdline.has("a"));
    EXPECT_EQ(cmdline.size(), 1u);
}

TEST(Cmdline, NoDoubleDashMeansEmptyRestWithoutSeparator) {
    auto cmdline = CommandLine::parse("quiet");
    EXPECT_FALSE(cmdline.has_separator());
    EXPECT_EQ(cmdline.rest(), "");
    auto trailing = CommandLine::parse("quiet --");
    EXPECT_TRUE(trailing.has_separator());
    EXPECT_EQ(trailing.rest(), "");
}

TEST(Cmdline, DoubleDashInsideAWordIsNotASeparator) {
    auto cmdline = CommandLine::parse("--x a=-- b");
    EXPECT_FALSE(cmdline.has_separator());
    EXPECT_TRUE(cmdline.has("--x"));
    EXPECT_EQ(cmdline.get("a"), "--");
    EXPECT_TRUE(cmdline.has("b"));
}

TEST(Cmdline, LastOccurrenceWins) {
    auto cmdline = CommandLine::parse("loglevel=info quiet loglevel=debug");
    EXPECT_EQ(cmdline.get("loglevel"), "debug");
}

TEST(Cmdline, LaterFlagOverridesEarlierValue) {
    auto cmdline = CommandLine::parse("aslr=off aslr");
    EXPECT_EQ(cmdline.get("aslr"), std::nullopt);
    EXPECT_EQ(cmdline.get_bool("aslr"), true);
}

TEST(Cmdline, EmptyValueIsPresentAndEmpty) {
    auto cmdline = CommandLine::parse("root= x=\"\"");
    EXPECT_EQ(cmdline.get("root"), "");
    EXPECT_EQ(cmdline.get("x"), "");
}

TEST(Cmdline, WhitespaceOfAnyKindSeparatesWords) {
    auto cmdline = CommandLine::parse("  \ta=1\n\nb=2\r\n");
    EXPECT_EQ(cmdline.size(), 2u);
    EXPECT_EQ(cmdline.get("b"), "2");
}

TEST(Cmdline, EmptyTextHasNoEntries) {
    EXPECT_EQ(CommandLine::parse("").size(), 0u);
    EXPECT_EQ(CommandLine::parse("   ").size(), 0u);
}

TEST(Cmdline, UnclosedQuoteRunsToTheEnd) {
    auto cmdline = CommandLine::parse("a=\"one two -- three");
    EXPECT_EQ(cmdline.get("a"), "one two -- three");
    EXPECT_FALSE(cmdline.has_separator());
}

TEST(Cmdline, QuoteOnlyGroupsAtTheStartOfAValue) {
    auto cmdline = CommandLine::parse("a=x\"y z\" b=\"c\"d");
    EXPECT_EQ(cmdline.get("a"), "x\"y");
    EXPECT_TRUE(cmdline.has("z\""));
    EXPECT_EQ(cmdline.get("b"), "c");
    EXPECT_TRUE(cmdline.has("d"));  // text glued after a closing quote starts a new word
}

TEST(Cmdline, ValueMayContainEqualsSign) {
    auto cmdline = CommandLine::parse("init.env=A=B");
    EXPECT_EQ(cmdline.get("init.env"), "A=B");
}

TEST(Cmdline, WordWithoutKeyIsIgnored) {
    auto cmdline = CommandLine::parse("=x a");
    EXPECT_EQ(cmdline.size(), 1u);
    EXPECT_TRUE(cmdline.has("a"));
}

TEST(Cmdline, IteratesEntriesInOrder) {
    auto cmdline = CommandLine::parse("a=1 b c=3");
    std::vector<std::string> seen;
    for (const cmdline::Entry& entry : cmdline)
        seen.push_back(std::string(entry.key) + (entry.value ? "=" + std::string(*entry.value) : ""));
    EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "b", "c=3"}));
}

TEST(Cmdline, OverflowKeepsFirstEntriesAndReportsIt) {
    std::string text;
    for (int i = 0; i < 70; ++i) text += "k" + std::to_string(i) + "=" + std::to_string(i) + " ";
    text += "-- app";
    auto cmdline = CommandLine::parse(text);
    EXPECT_TRUE(cmdline.overflowed());
    EXPECT_EQ(cmdline.size(), CommandLine::kCapacity);
    EXPECT_EQ(cmdline.get("k63"), "63");
    EXPECT_FALSE(cmdline.has("k64"));
    EXPECT_EQ(cmdline.rest(), "app");
}

TEST(Cmdline, GetU64AcceptsDecimalAndHex) {
    auto cmdline = CommandLine::parse("a=42 b=0x1F c=0XfF d=18446744073709551615");
    EXPECT_EQ(cmdline.get_u64("a").value(), 42u);
    EXPECT_EQ(cmdline.get_u64("b").value(), 0x1fu);
    EXPECT_EQ(cmdline.get_u64("c").value(), 0xffu);
    EXPECT_EQ(cmdline.get_u64("d").value(), UINT64_MAX);
}

TEST(Cmdline, GetU64RejectsJunkWithEINVAL) {
    auto cmdline = CommandLine::parse("a=12x b=-1 c= d=0x e flag f=0x1g");
    for (auto key : {"a", "b", "c", "d", "f", "flag"})
        EXPECT_EQ(cmdline.get_u64(key).error(), EINVAL) << key;
}

TEST(Cmdline, GetU64OverflowIsERANGE) {
    auto cmdline = CommandLine::parse("a=18446744073709551616 b=0x10000000000000000");
    EXPECT_EQ(cmdline.get_u64("a").error(), ERANGE);
    EXPECT_EQ(cmdline.get_u64("b").error(), ERANGE);
}

TEST(Cmdline, MissingKeyIsENOENT) {
    auto cmdline = CommandLine::parse("a=1");
    EXPECT_EQ(cmdline.get_u64("x").error(), ENOENT);
    EXPECT_EQ(cmdline.get_size("x").error(), ENOENT);
}

TEST(Cmdline, GetSizeAcceptsSuffixes) {
    auto cmdline = CommandLine::parse("a=4096 b=16K c=64M d=2G e=1t f=8m g=0x10K");
    EXPECT_EQ(cmdline.get_size("a").value(), 4096u);
    EXPECT_EQ(cmdline.get_size("b").value(), 16 * KiB);
    EXPECT_EQ(cmdline.get_size("c").value(), 64 * MiB);
    EXPECT_EQ(cmdline.get_size("d").value(), 2 * GiB);
    EXPECT_EQ(cmdline.get_size("e").value(), 1024 * GiB);
    EXPECT_EQ(cmdline.get_size("f").value(), 8 * MiB);
    EXPECT_EQ(cmdline.get_size("g").value(), 16 * KiB);
}

TEST(Cmdline, GetSizeRejectsJunkWithEINVAL) {
    auto cmdline = CommandLine::parse("a=M b=64MB c=64X d=1.5G e= f");
    for (auto key : {"a", "b", "c", "d", "e", "f"})
        EXPECT_EQ(cmdline.get_size(key).error(), EINVAL) << key;
}

TEST(Cmdline, GetSizeOverflowIsERANGE) {
    auto cmdline = CommandLine::parse("a=16777216T b=17179869184G c=99999999999999999999");
    EXPECT_EQ(cmdline.get_size("a").error(), ERANGE);
    EXPECT_EQ(cmdline.get_size("b").error(), ERANGE);
    EXPECT_EQ(cmdline.get_size("c").error(), ERANGE);
    EXPECT_EQ(cmdline::parse_size("16777215T").value(), 16777215ull << 40);
}

TEST(Cmdline, GetBoolAcceptsCommonSpellings) {
    auto cmdline = CommandLine::parse("a=on b=yes c=1 d=true e=off f=no g=0 h=false i=ON flag");
    for (auto key : {"a", "b", "c", "d", "i", "flag"}) EXPECT_EQ(cmdline.get_bool(key), true) << key;
    for (auto key : {"e", "f", "g", "h"}) EXPECT_EQ(cmdline.get_bool(key), false) << key;
}

TEST(Cmdline, GetBoolIsNulloptWhenMissingOrJunk) {
    auto cmdline = CommandLine::parse("a=maybe b=");
    EXPECT_EQ(cmdline.get_bool("a"), std::nullopt);
    EXPECT_EQ(cmdline.get_bool("b"), std::nullopt);
    EXPECT_EQ(cmdline.get_bool("missing"), std::nullopt);
}

TEST(Cmdline, SplitListSkipsEmptyItems) {
    std::vector<std::string> items;
    for (auto item : cmdline::split_list(",heap,,frames,")) items.emplace_back(item);
    EXPECT_EQ(items, (std::vector<std::string>{"heap", "frames"}));
}

TEST(Cmdline, SplitListOfEmptyOrCommasHasNoItems) {
    int count = 0;
    cmdline::for_each_item("", [&](std::string_view) { ++count; });
    cmdline::for_each_item(",,,", [&](std::string_view) { ++count; });
    EXPECT_EQ(count, 0);
}

TEST(Cmdline, ForEachItemVisitsSelftestNames) {
    auto cmdline = CommandLine::parse(kExample);
    std::vector<std::string> items;
    cmdline::for_each_item(*cmdline.get("selftest"),
                           [&](std::string_view item) { items.emplace_back(item); });
    EXPECT_EQ(items, (std::vector<std::string>{"heap", "frames"}));
}

}  // namespace
