#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "cpio/newc.h"

namespace {

using cpio::Entry;
using cpio::NewcWriter;
using cpio::Reader;

class CpioVectorSink final : public cpio::ByteSink {
public:
    bool write(std::span<const u8> bytes) override {
        if (fail_after && bytes_.size() + bytes.size() > *fail_after) return false;
        bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
        return true;
    }
    std::vector<u8> bytes_;
    std::optional<usize> fail_after;
};

std::span<const u8> as_bytes(std::string_view text) {
    return {reinterpret_cast<const u8*>(text.data()), text.size()};
}

std::string as_string(std::span<const u8> bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::vector<Entry> read_all(std::span<const u8> archive) {
    std::vector<Entry> entries;
    Reader reader(archive);
    for (;;) {
        auto next = reader.next();
        EXPECT_TRUE(next.is_ok()) << reader.diagnosis().reason;
        if (next.is_error() || !next.value()) break;
        entries.push_back(*next.value());
    }
    return entries;
}

// Returns the reason the reader gives for the first bad entry.
std::string first_problem(std::span<const u8> archive) {
    Reader reader(archive);
    for (;;) {
        auto next = reader.next();
        if (next.is_error()) {
            EXPECT_EQ(next.error(), EINVAL);
            return reader.diagnosis().reason;
        }
        if (!next.value()) return "";
    }
}

std::string header(std::string_view magic, u32 mode, u32 filesize, u32 namesize, u32 check = 0,
                   u32 ino = 1) {
    char text[cpio::kHeaderSize + 1];
    std::snprintf(text, sizeof text, "%.6s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                  magic.data(), ino, mode, 0, 0, 1, 0, filesize, 0, 0, 0, 0, namesize, check);
    return std::string(text, cpio::kHeaderSize);
}

std::string padded(std::string text) {
    while (text.size() % 4) text.push_back('\0');
    return text;
}

// One hand-made entry: header, name, padding, data, padding.
std::string entry(std::string_view magic, u32 mode, std::string_view name, std::string_view data,
                  u32 check = 0) {
    std::string out = header(magic, mode, static_cast<u32>(data.size()),
                             static_cast<u32>(name.size() + 1), check);
    out += name;
    out.push_back('\0');
    out = padded(out);
    out += data;
    return padded(out);
}

std::string trailer() { return entry("070701", 0, "TRAILER!!!", ""); }

std::vector<u8> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

TEST(CpioWriter, RoundTripKeepsNamesModesOwnersAndData) {
    CpioVectorSink sink;
    NewcWriter writer(sink);
    ASSERT_TRUE(writer.add_directory("bin", 0755, 0, 0, 1700000000).is_ok());
    ASSERT_TRUE(writer.add_file("bin/hello", 04755, 1000, 100, 1700000001, as_bytes("hi!\n"))
                    .is_ok());
    ASSERT_TRUE(writer.add_file("empty", 0600, 0, 0, 0, {}).is_ok());
    ASSERT_TRUE(writer.add_symlink("bin/sh", "hello").is_ok());
    ASSERT_TRUE(writer.finish().is_ok());
    EXPECT_EQ(writer.entries_written(), 4u);
    EXPECT_EQ(writer.bytes_written(), sink.bytes_.size());
    EXPECT_EQ(sink.bytes_.size() % 4, 0u);

    auto entries = read_all(sink.bytes_);
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].name, "bin");
    EXPECT_EQ(entries[0].mode, cpio::kTypeDirectory | 0755);
    EXPECT_TRUE(entries[0].is_directory());
    EXPECT_EQ(entries[0].nlink, 2u);
    EXPECT_EQ(entries[0].mtime, 1700000000u);

    EXPECT_EQ(entries[1].name, "bin/hello");
    EXPECT_EQ(entries[1].mode, cpio::kTypeRegular | 04755);
    EXPECT_EQ(entries[1].uid, 1000u);
    EXPECT_EQ(entries[1].gid, 100u);
    EXPECT_EQ(entries[1].nlink, 1u);
    EXPECT_EQ(as_string(entries[1].data), "hi!\n");

    EXPECT_TRUE(entries[2].is_regular());
    EXPECT_TRUE(entries[2].data.empty());

    EXPECT_TRUE(entries[3].is_symlink());
    EXPECT_EQ(entries[3].mode, cpio::kTypeSymlink | 0777);
    EXPECT_EQ(entries[3].symlink_target(), "hello");

    for (usize i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(entries[i].ino, i + 1) << "inodes are assigned in order";
        EXPECT_EQ(entries[i].format, cpio::Format::Newc);
        EXPECT_EQ(entries[i].offset % 4, 0u);
    }
}

TEST(CpioWriter, HardLinkGroupSharesOneInodeAndStoresDataOnce) {
    CpioVectorSink sink;
    NewcWriter writer(sink);
    ASSERT_TRUE(writer.add_file("before", 0644, 0, 0, 0, as_bytes("x")).is_ok());
    auto group = writer.begin_hard_link_group(2);
    ASSERT_TRUE(group.is_ok());
    ASSERT_TRUE(writer.add_hard_link(group.value(), "a", 0644, 0, 0, 5, as_bytes("shared")).is_ok());
    ASSERT_TRUE(writer.add_file("between", 0644, 0, 0, 0, {}).is_ok());
    ASSERT_TRUE(writer.add_hard_link(group.value(), "z/b", 0644, 0, 0, 5, as_bytes("shared")).is_ok());
    EXPECT_EQ(writer.add_hard_link(group.value(), "c", 0644, 0, 0, 5, {}).error(), EINVAL)
        << "more names than the group's nlink";
    ASSERT_TRUE(writer.finish().is_ok());
    EXPECT_EQ(writer.entries_written(), 4u);

    auto entries = read_all(sink.bytes_);
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[1].name, "a");
    EXPECT_EQ(entries[3].name, "z/b");
    EXPECT_EQ(entries[1].ino, entries[3].ino);
    EXPECT_NE(entries[0].ino, entries[1].ino);
    EXPECT_NE(entries[2].ino, entries[1].ino);
    EXPECT_EQ(entries[1].nlink, 2u);
    EXPECT_EQ(entries[3].nlink, 2u);
    EXPECT_EQ(as_string(entries[1].data), "shared");
    EXPECT_TRUE(entries[3].data.empty()) << "the data is stored with the first name only";
}

TEST(CpioWriter, HardLinkGroupNeedsTwoNames) {
    CpioVectorSink sink;
    NewcWriter writer(sink);
    EXPECT_EQ(writer.begin_hard_link_group(1).error(), EINVAL);
    cpio::HardLinkGroup never_begun;
    EXPECT_EQ(writer.add_hard_link(never_begun, "a", 0644, 0, 0, 0, {}).error(), EINVAL);
}

TEST(CpioWriter, DataOfEveryLengthSurvivesPadding) {
    CpioVectorSink sink;
    NewcWriter writer(sink);
    std::vector<std::string> names, contents;
    for (usize length = 0; length < 9; ++length) {
        names.push_back(std::string(length + 1, 'n'));  // name lengths vary the padding too
        contents.push_back(std::string(length, static_cast<char>('a' + length)));
        ASSERT_TRUE(writer.add_file(names.back(), 0644, 0, 0, 0, as_bytes(contents.back())).is_ok());
    }
    ASSERT_TRUE(writer.finish().is_ok());
    auto entries = read_all(sink.bytes_);
    ASSERT_EQ(entries.size(), names.size());
    for (usize i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(entries[i].name, names[i]);
        EXPECT_EQ(as_string(entries[i].data), contents[i]);
    }
}

// An ELF file's bytes: the magic, then `size` bytes in all.
std::string elf_bytes(usize size) {
    std::string bytes = "\x7f" "ELF";
    while (bytes.size() < size) bytes.push_back(static_cast<char>('a' + bytes.size() % 26));
    return bytes;
}

TEST(CpioWriter, ProgramsDataStartsOnAPageBoundary) {
    CpioVectorSink sink;
    NewcWriter writer(sink);
    ASSERT_TRUE(writer.add_file("etc/motd", 0644, 0, 0, 0, as_bytes("hello\n")).is_ok());
    std::string program = elf_bytes(5000), small = elf_bytes(100), text(8192, 't');
    ASSERT_TRUE(writer.add_file("usr/bin/prog", 0755, 0, 0, 0, as_bytes(program)).is_ok());
    ASSERT_TRUE(writer.add_file("usr/bin/small", 0755, 0, 0, 0, as_bytes(small)).is_ok());
    ASSERT_TRUE(writer.add_file("usr/share/text", 0644, 0, 0, 0, as_bytes(text)).is_ok());
    ASSERT_TRUE(writer.add_file("usr/lib/libx.so", 0644, 0, 0, 0, as_bytes(program)).is_ok());
    ASSERT_TRUE(writer.finish().is_ok());
    auto entries = read_all(sink.bytes_);
    ASSERT_EQ(entries.size(), 5u);
    auto offset = [&](const Entry& e) { return static_cast<usize>(e.data.data() - sink.bytes_.data()); };
    EXPECT_EQ(entries[1].name, "usr/bin/prog");
    EXPECT_EQ(as_string(entries[1].data), program);
    EXPECT_EQ(offset(entries[1]) % cpio::kProgramAlignment, 0u);
    EXPECT_EQ(entries[4].name, "usr/lib/libx.so");
    EXPECT_EQ(offset(entries[4]) % cpio::kProgramAlignment, 0u);
    // Smaller than a page, or not a program: packed as before.
    EXPECT_EQ(as_string(entries[2].data), small);
    EXPECT_NE(offset(entries[2]) % cpio::kProgramAlignment, 0u);
    EXPECT_NE(offset(entries[3]) % cpio::kProgramAlignment, 0u);
}

TEST(CpioWriter, ProgramNamesStayWithinPathMax) {
    // Every offset of a program entry, with a long name: the padded name never passes
    // PATH_MAX (Linux's limit, NUL included), and the program is aligned when it fits.
    std::string program = elf_bytes(4096), name(200, 'n');
    int aligned = 0;
    for (usize before = 0; before < 4096; before += 4) {
        CpioVectorSink sink;
        NewcWriter writer(sink);
        if (before) {
            ASSERT_TRUE(writer.add_file("pad", 0644, 0, 0, 0, as_bytes(std::string(before, 'p'))).is_ok());
        }
        ASSERT_TRUE(writer.add_file(name, 0755, 0, 0, 0, as_bytes(program)).is_ok());
        ASSERT_TRUE(writer.finish().is_ok());
        auto entries = read_all(sink.bytes_);
        ASSERT_EQ(entries.back().name, name);
        usize program_header = entries.back().offset;
        u32 name_size = std::stoul(std::string(sink.bytes_.begin() + program_header + 94, sink.bytes_.begin() + program_header + 102), nullptr, 16);
        EXPECT_LE(name_size, 4096u);
        aligned += (entries.back().data.data() - sink.bytes_.data()) % cpio::kProgramAlignment == 0;
        EXPECT_EQ(as_string(entries.back().data), program);
    }
    EXPECT_GT(aligned, 900);  // of 1024 offsets: all but those a 201-byte name cannot reach
}

TEST(CpioWriter, CrcFormatStoresAVerifiedChecksum) {
    CpioVectorSink sink;
    NewcWriter writer(sink, cpio::Format::Crc);
    ASSERT_TRUE(writer.add_file("f", 0644, 0, 0, 0, as_bytes("\xff\xff\x01")).is_ok());
    ASSERT_TRUE(writer.finish().is_ok());
    EXPECT_EQ(std::string(sink.bytes_.begin(), sink.bytes_.begin() + 6), "070702");
    auto entries = read_all(sink.bytes_);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].format, cpio::Format::Crc);
    EXPECT_EQ(entries[0].check, 0xffu + 0xffu + 1u);

    // Corrupt one data byte: the crc variant notices, the plain one would not.
    auto corrupted = sink.bytes_;
    corrupted[cpio::kHeaderSize + 4] ^= 1;  // "f\0" padded to 112, data at 112
    EXPECT_EQ(first_problem(corrupted), "checksum mismatch in a 070702 (crc) entry");
}

TEST(CpioWriter, RejectsBadNamesModesAndLateEntries) {
    CpioVectorSink sink;
    NewcWriter writer(sink);
    EXPECT_EQ(writer.add_file("", 0644, 0, 0, 0, {}).error(), EINVAL);
    EXPECT_EQ(writer.add_file(std::string_view("a\0b", 3), 0644, 0, 0, 0, {}).error(), EINVAL);
    EXPECT_EQ(writer.add_file("TRAILER!!!", 0644, 0, 0, 0, {}).error(), EINVAL);
    EXPECT_EQ(writer.add_file(std::string(cpio::kMaxNameLength + 1, 'x'), 0644, 0, 0, 0, {})
                  .error(),
              EINVAL);
    EXPECT_EQ(writer.add_file("d", cpio::kTypeDirectory | 0755, 0, 0, 0, {}).error(), EINVAL);
    EXPECT_TRUE(writer.add_file("f", cpio::kTypeRegular | 0644, 0, 0, 0, {}).is_ok());
    EXPECT_EQ(writer.add_symlink("l", "").error(), EINVAL);
    EXPECT_EQ(writer.entries_written(), 1u);
    ASSERT_TRUE(writer.finish().is_ok());
    EXPECT_EQ(writer.add_directory("late", 0755, 0, 0, 0).error(), EINVAL);
    EXPECT_EQ(writer.finish().error(), EINVAL);
}

TEST(CpioWriter, SinkFailureIsEIO) {
    CpioVectorSink sink;
    sink.fail_after = 200;
    NewcWriter writer(sink);
    EXPECT_TRUE(writer.add_file("a", 0644, 0, 0, 0, as_bytes("x")).is_ok());
    EXPECT_EQ(writer.add_file("b", 0644, 0, 0, 0, as_bytes(std::string(300, 'y'))).error(), EIO);
}

TEST(CpioReader, StopsAtTheTrailerAndReportsWhereItEnds) {
    std::string archive = entry("070701", cpio::kTypeRegular | 0644, "a", "1") + trailer();
    usize end = archive.size();
    archive += std::string(512, '\0');  // GNU cpio pads to a block; Linux allows more archives
    auto bytes = bytes_of(archive);
    Reader reader(bytes);
    auto first = reader.next();
    ASSERT_TRUE(first.is_ok() && first.value());
    EXPECT_EQ(first.value()->name, "a");
    auto second = reader.next();
    ASSERT_TRUE(second.is_ok());
    EXPECT_FALSE(second.value().has_value());
    EXPECT_TRUE(reader.at_end());
    EXPECT_EQ(reader.end_offset(), end);
    auto again = reader.next();
    ASSERT_TRUE(again.is_ok());
    EXPECT_FALSE(again.value().has_value());
    EXPECT_EQ(cpio::count_entries(bytes).value(), 1u);
}

TEST(CpioReader, AcceptsUpperCaseHexAndIgnoresTheNewcCheckField) {
    std::string archive = entry("070701", cpio::kTypeRegular | 0644, "f", "data", 0xdeadbeef);
    for (usize i = 6; i < cpio::kHeaderSize; ++i)
        if (archive[i] >= 'a' && archive[i] <= 'f') archive[i] = static_cast<char>(archive[i] - 32);
    archive += trailer();
    auto bytes = bytes_of(archive);
    auto entries = read_all(bytes);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].check, 0xdeadbeefu);
    EXPECT_EQ(as_string(entries[0].data), "data");
}

TEST(CpioReader, MalformedArchivesAreRefusedWithAReason) {
    auto problem = [](const std::string& archive) { return first_problem(bytes_of(archive)); };
    std::string good = entry("070701", cpio::kTypeRegular | 0644, "f", "data");
    EXPECT_EQ(problem(good + trailer()), "");

    EXPECT_EQ(problem(""), "archive ends without a TRAILER!!! entry");
    EXPECT_EQ(problem(good), "archive ends without a TRAILER!!! entry");
    EXPECT_EQ(problem(good.substr(0, 50)), "truncated entry header");
    EXPECT_EQ(problem("17070" + good.substr(5)), "bad magic: not a newc cpio entry");
    EXPECT_EQ(problem("070707" + good.substr(6)),
              "old portable (odc) cpio format; only newc is supported");

    std::string bad_hex = good;
    bad_hex[20] = 'g';
    EXPECT_EQ(problem(bad_hex + trailer()), "header field is not 8 hex digits");
    bad_hex = good;
    bad_hex[20] = ' ';
    EXPECT_EQ(problem(bad_hex + trailer()), "header field is not 8 hex digits");

    // namesize counts the NUL: 0, or one byte short, leaves the name unterminated.
    std::string no_nul = header("070701", cpio::kTypeRegular | 0644, 0, 1) + "fx\0\0";
    EXPECT_EQ(problem(no_nul + trailer()), "entry name has no terminating NUL");
    EXPECT_EQ(problem(header("070701", 0100644, 0, 0) + "\0\0" + trailer()),
              "entry name has no terminating NUL");
    EXPECT_EQ(problem(header("070701", 0100644, 0, 1) + std::string(4, '\0') + trailer()),
              "entry has an empty name");
    EXPECT_EQ(problem(header("070701", 0100644, 0, 4) + std::string("a\0b\0", 4) + trailer()),
              "entry name contains a NUL byte");
    // NULs after the name's own are padding (the writer's page alignment), not a new name.
    EXPECT_EQ(problem(header("070701", 0100644, 0, 8) + std::string("ab\0\0\0\0\0\0\0\0", 10) + trailer()), "");
    EXPECT_EQ(problem(header("070701", 0100644, 0, 0xffffffff) + "f"),
              "entry name extends beyond the archive");

    std::string big = header("070701", 0100644, 0x1000, 2) + std::string("f\0\0\0", 4) + "data";
    EXPECT_EQ(problem(big + trailer()), "entry data extends beyond the archive");
    std::string huge = header("070701", 0100644, 0xffffffff, 2) + std::string("f\0\0\0", 4);
    EXPECT_EQ(problem(huge + trailer()), "entry data extends beyond the archive");

    EXPECT_EQ(problem(entry("070701", 0x10000 | 0644, "f", "") + trailer()),
              "mode has bits beyond file type and permissions");
    EXPECT_EQ(problem(entry("070701", cpio::kTypeDirectory | 0755, "d", "x") + trailer()),
              "directory entry carries data");
    EXPECT_EQ(problem(entry("070701", cpio::kTypeSymlink | 0777, "l", "") + trailer()),
              "symlink with an empty target");
    EXPECT_EQ(problem(entry("070702", 0100644, "f", "ab", 'a' + 'b' + 1) + trailer()),
              "checksum mismatch in a 070702 (crc) entry");
    EXPECT_EQ(problem(entry("070702", 0100644, "f", "ab", 'a' + 'b') + trailer()), "");
}

TEST(CpioReader, DiagnosisNamesTheOffendingEntryAndTheReaderStaysFailed) {
    std::string first = entry("070701", 0100644, "ok", "1234");
    std::string archive = first + entry("070701", cpio::kTypeDirectory | 0755, "d", "x") + trailer();
    auto bytes = bytes_of(archive);
    Reader reader(bytes);
    ASSERT_TRUE(reader.next().is_ok());
    EXPECT_EQ(reader.next().error(), EINVAL);
    EXPECT_EQ(reader.diagnosis().offset, first.size());
    EXPECT_FALSE(reader.diagnosis().ok());
    EXPECT_EQ(reader.next().error(), EINVAL);
    cpio::Diagnosis diagnosis;
    EXPECT_EQ(cpio::count_entries(bytes, &diagnosis).error(), EINVAL);
    EXPECT_STREQ(diagnosis.reason, "directory entry carries data");
}

TEST(CpioReader, EveryTruncationAndByteFlipIsHandledWithoutCrashing) {
    CpioVectorSink sink;
    NewcWriter writer(sink, cpio::Format::Crc);
    ASSERT_TRUE(writer.add_directory("d", 0755, 0, 0, 0).is_ok());
    ASSERT_TRUE(writer.add_file("d/f", 0644, 0, 0, 0, as_bytes("contents")).is_ok());
    ASSERT_TRUE(writer.add_symlink("l", "d/f").is_ok());
    ASSERT_TRUE(writer.finish().is_ok());
    auto image = sink.bytes_;
    auto exercise = [](std::span<const u8> bytes) {
        Reader reader(bytes);
        for (int i = 0; i < 100; ++i) {
            auto next = reader.next();
            if (next.is_error() || !next.value()) return;
            const Entry& e = *next.value();
            ASSERT_GE(e.data.data(), bytes.data());
            ASSERT_LE(e.data.data() + e.data.size(), bytes.data() + bytes.size());
        }
        FAIL() << "reader did not stop";
    };
    for (usize length = 0; length < image.size(); ++length)
        exercise(std::span<const u8>(image).first(length));
    u32 seed = 4321;
    for (int round = 0; round < 20000; ++round) {
        auto copy = image;
        for (int flips = 0; flips < 3; ++flips) {
            seed = seed * 1103515245 + 12345;
            copy[(seed >> 8) % copy.size()] ^= static_cast<u8>(1u << ((seed >> 4) & 7));
        }
        exercise(copy);
    }
}

TEST(CpioPath, RelativePathCanonicalizesLeadingDotsAndSlashes) {
    EXPECT_EQ(cpio::relative_path("bin/sh"), "bin/sh");
    EXPECT_EQ(cpio::relative_path("./bin/sh"), "bin/sh");
    EXPECT_EQ(cpio::relative_path("/bin/sh"), "bin/sh");
    EXPECT_EQ(cpio::relative_path("bin/"), "bin");
    EXPECT_EQ(cpio::relative_path("./.hidden"), ".hidden");
    EXPECT_EQ(cpio::relative_path("..."), "...");
    EXPECT_EQ(cpio::relative_path("."), "");
    EXPECT_EQ(cpio::relative_path("./"), "");
    EXPECT_EQ(cpio::relative_path("/"), "");
    EXPECT_EQ(cpio::relative_path(""), "");
    EXPECT_EQ(cpio::relative_path(".."), std::nullopt);
    EXPECT_EQ(cpio::relative_path("a/../../etc"), std::nullopt);
    EXPECT_EQ(cpio::relative_path("a//b"), std::nullopt);
    EXPECT_EQ(cpio::relative_path("a/./b"), std::nullopt);
    EXPECT_EQ(cpio::relative_path("a/.."), std::nullopt);
}

// --- Interoperability with GNU cpio on the host ---

bool have_cpio() { return std::system("command -v cpio >/dev/null 2>&1") == 0; }

class TempDir {
public:
    TempDir() {
        char pattern[] = "/tmp/osprey-cpio-XXXXXX";
        path_ = mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

std::vector<u8> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(CpioHost, ReadsAnArchiveMadeByGnuCpio) {
    if (!have_cpio()) GTEST_SKIP() << "cpio is not installed";
    TempDir temp;
    auto tree = temp.path() / "tree";
    std::filesystem::create_directories(tree / "dir");
    std::ofstream(tree / "dir" / "file.txt") << "hello from the host\n";
    std::ofstream(tree / "odd") << "12345";  // a length that needs padding
    std::filesystem::create_symlink("dir/file.txt", tree / "link");
    std::filesystem::permissions(tree / "odd", std::filesystem::perms(0640));
    auto archive_path = temp.path() / "out.cpio";
    std::string command = "cd '" + tree.string() + "' && find . | cpio --quiet -o -H newc > '" +
                          archive_path.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);

    auto archive = read_file(archive_path);
    std::map<std::string, Entry> by_name;
    for (const Entry& e : read_all(archive)) by_name[std::string(e.name)] = e;
    // GNU cpio stores "." for the top and strips the "./" that find prints from the rest.
    ASSERT_EQ(by_name.size(), 5u) << "expected ., dir, dir/file.txt, odd, link";
    ASSERT_TRUE(by_name.count("."));
    EXPECT_TRUE(by_name["."].is_directory());
    EXPECT_EQ(cpio::relative_path("."), "");
    EXPECT_TRUE(by_name["dir"].is_directory());
    EXPECT_EQ(as_string(by_name["dir/file.txt"].data), "hello from the host\n");
    EXPECT_TRUE(by_name["dir/file.txt"].is_regular());
    EXPECT_EQ(by_name["dir/file.txt"].nlink, 1u);
    EXPECT_EQ(as_string(by_name["odd"].data), "12345");
    EXPECT_EQ(by_name["odd"].permissions(), 0640u);
    EXPECT_TRUE(by_name["link"].is_symlink());
    EXPECT_EQ(by_name["link"].symlink_target(), "dir/file.txt");
}

TEST(CpioHost, GnuCpioExtractsWhatTheWriterMade) {
    if (!have_cpio()) GTEST_SKIP() << "cpio is not installed";
    TempDir temp;
    for (auto format : {cpio::Format::Newc, cpio::Format::Crc}) {
        CpioVectorSink sink;
        NewcWriter writer(sink, format);
        ASSERT_TRUE(writer.add_directory("bin", 0755, 0, 0, 1600000000).is_ok());
        ASSERT_TRUE(writer.add_file("bin/prog", 0750, 0, 0, 1600000000, as_bytes("#!/bin/sh\n"))
                        .is_ok());
        ASSERT_TRUE(writer.add_file("bin/seven", 0644, 0, 0, 1600000000, as_bytes("1234567"))
                        .is_ok());
        ASSERT_TRUE(writer.add_symlink("sh", "bin/prog").is_ok());
        std::string program = elf_bytes(6000);  // data on a page boundary, the name padded
        ASSERT_TRUE(writer.add_file("bin/elf", 0755, 0, 0, 1600000000, as_bytes(program)).is_ok());
        ASSERT_TRUE(writer.finish().is_ok());

        auto out = temp.path() / (format == cpio::Format::Crc ? "crc" : "newc");
        std::filesystem::create_directories(out);
        auto archive_path = temp.path() / "in.cpio";
        std::ofstream(archive_path, std::ios::binary)
            .write(reinterpret_cast<const char*>(sink.bytes_.data()),
                   static_cast<std::streamsize>(sink.bytes_.size()));
        std::string command = "cd '" + out.string() +
                              "' && cpio --quiet -i -d --no-absolute-filenames < '" +
                              archive_path.string() + "' 2>&1";
        ASSERT_EQ(std::system(command.c_str()), 0);

        EXPECT_TRUE(std::filesystem::is_directory(out / "bin"));
        auto prog = read_file(out / "bin" / "prog");
        EXPECT_EQ(std::string(prog.begin(), prog.end()), "#!/bin/sh\n");
        auto perms = std::filesystem::status(out / "bin" / "prog").permissions();
        EXPECT_EQ(static_cast<unsigned>(perms) & 0777, 0750u);
        auto seven = read_file(out / "bin" / "seven");
        EXPECT_EQ(std::string(seven.begin(), seven.end()), "1234567");
        EXPECT_TRUE(std::filesystem::is_symlink(out / "sh"));
        EXPECT_EQ(std::filesystem::read_symlink(out / "sh"), "bin/prog");
        auto elf = read_file(out / "bin" / "elf");
        EXPECT_EQ(std::string(elf.begin(), elf.end()), program);
    }
}

}  // namespace
