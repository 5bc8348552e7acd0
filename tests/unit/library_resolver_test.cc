// The shared-library resolver of `osprey build`, on ELF files the tests write by hand (an
// ELF header, a PT_LOAD over the whole file, a PT_DYNAMIC with DT_NEEDED/RPATH/RUNPATH/
// SONAME) in a fake file system, and on the host's own /bin/true.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "elf/dynamic.h"
#include "fake_elf.h"
#include "image/ld_cache.h"
#include "image/library_resolver.h"

namespace {

using osprey::LibrarySearch;
using test_elf::make_elf;

class FakeFiles final : public osprey::LibraryFiles {
public:
    std::optional<std::vector<u8>> read(const std::string& path) override {
        reads.push_back(path);
        auto it = files.find(path);
        if (it == files.end()) return std::nullopt;
        return it->second;
    }
    std::map<std::string, std::vector<u8>> files;
    std::vector<std::string> reads;
};

const std::string kLoader = "/lib64/ld-linux-x86-64.so.2";

struct Fixture {
    FakeFiles fs;
    LibrarySearch search;
    Fixture() {
        fs.files[kLoader] = make_elf({.soname = "ld-linux-x86-64.so.2"});
        fs.files["/lib/x86_64-linux-gnu/libc.so.6"] = make_elf({.needed = {"ld-linux-x86-64.so.2"}, .soname = "libc.so.6"});
    }
    std::optional<osprey::LibraryResolution> resolve(const std::string& path, std::string& error) {
        return osprey::resolve_libraries(path, fs.files.at(path), fs, search, error);
    }
    static std::string path_of(const osprey::LibraryResolution& r, const std::string& name) {
        for (auto& lib : r.libraries)
            if (lib.name == name) return lib.path;
        return "";
    }
};

TEST(DynamicSection, ReadsNeededRunpathAndSonameThroughTheLoadSegments) {
    auto bytes = make_elf({.needed = {"liba.so", "libb.so"}, .runpath = "$ORIGIN/lib", .soname = "libx.so.1"});
    auto file = elf::ElfFile::parse(bytes);
    ASSERT_TRUE(file.is_ok());
    auto dynamic = elf::DynamicSection::parse(file.value());
    ASSERT_TRUE(dynamic.is_ok());
    std::vector<std::string> needed;
    for (elf::Dyn d : dynamic.value().entries())
        if (d.d_tag == elf::DT_NEEDED) needed.emplace_back(*dynamic.value().string(d.d_val));
    EXPECT_EQ(needed, (std::vector<std::string>{"liba.so", "libb.so"}));
    EXPECT_EQ(dynamic.value().find_string(elf::DT_RUNPATH), "$ORIGIN/lib");
    EXPECT_EQ(dynamic.value().find_string(elf::DT_SONAME), "libx.so.1");
    EXPECT_FALSE(dynamic.value().find_string(elf::DT_RPATH));
}

TEST(DynamicSection, AFileWithoutPtDynamicIsENOENT) {
    auto bytes = make_elf({});
    bytes[56] = 1;  // keep only the PT_LOAD
    auto file = elf::ElfFile::parse(bytes);
    ASSERT_TRUE(file.is_ok());
    EXPECT_EQ(elf::DynamicSection::parse(file.value()).error(), ENOENT);
}

TEST(LibraryResolver, FindsTheInterpreterAndLibcInTheDefaultDirectories) {
    Fixture f;
    f.fs.files["/usr/bin/prog"] = make_elf({.needed = {"libc.so.6"}, .interpreter = kLoader});
    std::string error;
    auto r = f.resolve("/usr/bin/prog", error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->interpreter, kLoader);
    ASSERT_EQ(r->libraries.size(), 1u);  // libc's need of the loader is met by its soname
    EXPECT_EQ(r->libraries[0].path, "/lib/x86_64-linux-gnu/libc.so.6");
    EXPECT_EQ(r->libraries[0].needed_by, "/usr/bin/prog");
    EXPECT_EQ(r->libraries[0].found_by, "default");
}

TEST(LibraryResolver, RunpathWithOriginIsRelativeToTheObjectThatNeedsIt) {
    Fixture f;
    f.fs.files["/opt/app/bin/app"] =
        make_elf({.needed = {"libapp.so", "libc.so.6"}, .runpath = "$ORIGIN/../lib", .interpreter = kLoader});
    // libapp's own RUNPATH uses the ${ORIGIN} spelling and finds libdep beside it in sub/.
    f.fs.files["/opt/app/lib/libapp.so"] = make_elf({.needed = {"libdep.so"}, .runpath = "${ORIGIN}/sub"});
    f.fs.files["/opt/app/lib/sub/libdep.so"] = make_elf({});
    std::string error;
    auto r = f.resolve("/opt/app/bin/app", error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(Fixture::path_of(*r, "libapp.so"), "/opt/app/lib/libapp.so");
    EXPECT_EQ(Fixture::path_of(*r, "libdep.so"), "/opt/app/lib/sub/libdep.so");
    EXPECT_EQ(Fixture::path_of(*r, "libc.so.6"), "/lib/x86_64-linux-gnu/libc.so.6");
}

TEST(LibraryResolver, RunpathIsNotInheritedButRpathIs) {
    Fixture f;
    // The program's RUNPATH does not apply to what libmid needs...
    f.fs.files["/p/prog"] = make_elf({.needed = {"libmid.so"}, .runpath = "/p/lib"});
    f.fs.files["/p/lib/libmid.so"] = make_elf({.needed = {"libleaf.so"}});
    f.fs.files["/p/lib/libleaf.so"] = make_elf({});
    std::string error;
    EXPECT_FALSE(f.resolve("/p/prog", error));
    EXPECT_NE(error.find("shared library libleaf.so (needed by /p/lib/libmid.so) not found"), std::string::npos) << error;
    // ...while its RPATH does.
    f.fs.files["/p/prog"] = make_elf({.needed = {"libmid.so"}, .rpath = "/p/lib"});
    auto r = f.resolve("/p/prog", error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(Fixture::path_of(*r, "libleaf.so"), "/p/lib/libleaf.so");
    EXPECT_EQ(r->libraries[1].found_by, "RPATH of /p/prog");
}

TEST(LibraryResolver, SearchOrderIsRpathThenLdLibraryPathThenRunpathThenCacheThenDefaults) {
    Fixture f;
    for (auto dir : {"/rpath", "/env", "/runpath", "/cached", "/lib/x86_64-linux-gnu"})
        f.fs.files[std::string(dir) + "/libz.so"] = make_elf({});
    f.search.cache = {{"libz.so", "/cached/libz.so"}};
    std::string error;

    f.fs.files["/prog"] = make_elf({.needed = {"libz.so"}, .rpath = "/rpath"});
    f.search.library_path = {"/env"};
    EXPECT_EQ(Fixture::path_of(*f.resolve("/prog", error), "libz.so"), "/rpath/libz.so");

    f.fs.files["/prog"] = make_elf({.needed = {"libz.so"}, .runpath = "/runpath"});
    EXPECT_EQ(Fixture::path_of(*f.resolve("/prog", error), "libz.so"), "/env/libz.so");
    f.search.library_path.clear();
    EXPECT_EQ(Fixture::path_of(*f.resolve("/prog", error), "libz.so"), "/runpath/libz.so");

    f.fs.files["/prog"] = make_elf({.needed = {"libz.so"}});
    EXPECT_EQ(Fixture::path_of(*f.resolve("/prog", error), "libz.so"), "/cached/libz.so");
    f.search.cache.clear();
    EXPECT_EQ(Fixture::path_of(*f.resolve("/prog", error), "libz.so"), "/lib/x86_64-linux-gnu/libz.so");
}

TEST(LibraryResolver, NodeflibSkipsTheCacheAndDefaultDirectories) {
    Fixture f;
    f.fs.files["/prog"] = make_elf({.needed = {"libc.so.6"}, .flags_1 = elf::DF_1_NODEFLIB});
    std::string error;
    EXPECT_FALSE(f.resolve("/prog", error));
    EXPECT_EQ(error.find("/lib/x86_64-linux-gnu"), std::string::npos) << error;
}

TEST(LibraryResolver, AMissingLibraryIsNamedWithWhoNeedsItAndEveryPlaceSearched) {
    Fixture f;
    f.fs.files["/app/prog"] = make_elf({.needed = {"libc.so.6", "libnowhere.so.3"}, .runpath = "$ORIGIN/lib:/opt/x",
                                        .interpreter = kLoader});
    f.search.library_path = {"/env/lib"};
    std::string error;
    EXPECT_FALSE(f.resolve("/app/prog", error));
    EXPECT_EQ(error,
              "shared library libnowhere.so.3 (needed by /app/prog) not found; searched:\n"
              "  /env/lib (LD_LIBRARY_PATH)\n"
              "  /app/lib (RUNPATH of /app/prog)\n"
              "  /opt/x (RUNPATH of /app/prog)\n"
              "  /etc/ld.so.cache\n"
              "  /lib/x86_64-linux-gnu\n"
              "  /usr/lib/x86_64-linux-gnu\n"
              "  /lib64\n"
              "  /usr/lib64\n"
              "  /lib\n"
              "  /usr/lib");
}

TEST(LibraryResolver, ADependencyCycleEndsWithEachLibraryOnce) {
    Fixture f;
    f.fs.files["/prog"] = make_elf({.needed = {"liba.so"}, .runpath = "/l"});
    f.fs.files["/l/liba.so"] = make_elf({.needed = {"libb.so"}, .runpath = "/l", .soname = "liba.so"});
    f.fs.files["/l/libb.so"] = make_elf({.needed = {"liba.so", "libb.so"}, .runpath = "/l"});
    std::string error;
    auto r = f.resolve("/prog", error);
    ASSERT_TRUE(r) << error;
    ASSERT_EQ(r->libraries.size(), 2u);
    EXPECT_EQ(r->libraries[0].path, "/l/liba.so");
    EXPECT_EQ(r->libraries[1].path, "/l/libb.so");
}

TEST(LibraryResolver, ALibraryOfAnotherArchitectureIsSkippedAsTheLoaderDoes) {
    Fixture f;
    f.fs.files["/prog"] = make_elf({.needed = {"libq.so"}, .runpath = "/arm"});
    f.fs.files["/arm/libq.so"] = make_elf({.machine = 183});
    f.fs.files["/usr/lib/libq.so"] = make_elf({});
    std::string error;
    auto r = f.resolve("/prog", error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(Fixture::path_of(*r, "libq.so"), "/usr/lib/libq.so");
}

TEST(LibraryResolver, ANeededPathIsUsedAsIs) {
    Fixture f;
    f.fs.files["/prog"] = make_elf({.needed = {"/opt/libdirect.so"}});
    f.fs.files["/opt/libdirect.so"] = make_elf({});
    std::string error;
    auto r = f.resolve("/prog", error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->libraries[0].path, "/opt/libdirect.so");
}

TEST(LibraryResolver, AStaticProgramNeedsNothing) {
    Fixture f;
    auto bytes = make_elf({});
    bytes[56] = 1;  // PT_LOAD only
    f.fs.files["/static"] = bytes;
    std::string error;
    auto r = f.resolve("/static", error);
    ASSERT_TRUE(r) << error;
    EXPECT_FALSE(r->interpreter);
    EXPECT_TRUE(r->libraries.empty());
}

TEST(LibraryResolver, TheHostsTrueNeedsLibcAndTheLoader) {
    osprey::HostLibraryFiles files;
    auto bytes = files.read("/bin/true");
    ASSERT_TRUE(bytes);
    std::string error;
    auto r = osprey::resolve_libraries("/bin/true", *bytes, files, osprey::host_library_search(""), error);
    ASSERT_TRUE(r) << error;
    ASSERT_TRUE(r->interpreter);
    EXPECT_NE(r->interpreter->find("ld-linux-x86-64.so.2"), std::string::npos);
    ASSERT_FALSE(r->libraries.empty());
    EXPECT_EQ(r->libraries[0].name, "libc.so.6");
}

TEST(LdCache, RoundTripsAndKeepsOnlyX86_64Libc6Entries) {
    std::vector<osprey::LdCacheEntry> entries = {{"libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"},
                                                 {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}};
    auto bytes = osprey::encode_ld_cache(entries);
    std::string error;
    auto parsed = osprey::parse_ld_cache(bytes, error);
    ASSERT_TRUE(parsed) << error;
    ASSERT_EQ(parsed->size(), 2u);
    EXPECT_EQ((*parsed)[1].soname, "libc.so.6");
    EXPECT_EQ((*parsed)[1].path, "/lib/x86_64-linux-gnu/libc.so.6");

    bytes[48] = 0x01;  // first entry: FLAG_ELF (libc5), not libc6
    parsed = osprey::parse_ld_cache(bytes, error);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->size(), 1u);
}

TEST(LdCache, GarbageAndTruncatedFilesAreRefused) {
    std::string error;
    std::vector<u8> garbage(100, 'x');
    EXPECT_FALSE(osprey::parse_ld_cache(garbage, error));
    EXPECT_EQ(error, "not a glibc ld.so.cache (format 1.1)");
    auto bytes = osprey::encode_ld_cache({{"a", "/a"}});
    bytes.resize(60);
    EXPECT_FALSE(osprey::parse_ld_cache(bytes, error));
}

TEST(LdCache, TheHostsCacheKnowsLibc) {
    osprey::HostLibraryFiles files;
    auto bytes = files.read("/etc/ld.so.cache");
    if (!bytes) GTEST_SKIP() << "no /etc/ld.so.cache on this host";
    std::string error;
    auto parsed = osprey::parse_ld_cache(*bytes, error);
    ASSERT_TRUE(parsed) << error;
    bool libc = false;
    for (auto& e : *parsed) libc |= e.soname == "libc.so.6";
    EXPECT_TRUE(libc);
}

}  // namespace
