// Recognising runtimes and finding their module trees (tools/osprey/image/runtime_files.h,
// runtime_image.h, tree_dependencies.h). The last tests ask the host's own Python and
// Perl, which Debian always has (perl-base) or the project's setup installs (python3).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>

#include "image/library_resolver.h"
#include "image/runtime_files.h"
#include "image/runtime_image.h"
#include "image/tree_dependencies.h"

namespace osprey {
namespace {

TEST(RuntimeFiles, RecognisesInterpretersByName) {
    EXPECT_EQ(runtime_for_name("python3"), "python");
    EXPECT_EQ(runtime_for_name("python3.11"), "python");
    EXPECT_EQ(runtime_for_name("python"), "python");
    EXPECT_EQ(runtime_for_name("perl"), "perl");
    EXPECT_EQ(runtime_for_name("perl5.36.0"), "perl");
    EXPECT_EQ(runtime_for_name("lua5.4"), "lua");
    EXPECT_EQ(runtime_for_name("lua"), "lua");
    EXPECT_EQ(runtime_for_name("java"), "java");
    EXPECT_EQ(runtime_for_name("javac"), "");
    EXPECT_EQ(runtime_for_name("python3-config"), "");
    EXPECT_EQ(runtime_for_name("perlbug"), "");
    EXPECT_EQ(runtime_for_name("luac5.4"), "");
    EXPECT_EQ(runtime_for_name("ls"), "");
}

TEST(RuntimeFiles, LuaTemplatesGiveTheirAbsoluteDirectoriesOnce) {
    auto dirs = lua_template_directories(
        "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;/usr/share/lua/5.4/?.lua;"
        "./?.lua;/usr/local/lib/lua/5.4/loadall.so;;");
    std::vector<std::string> expected = {"/usr/local/share/lua/5.4", "/usr/share/lua/5.4", "/usr/local/lib/lua/5.4"};
    EXPECT_EQ(dirs, expected);
}

TEST(RuntimeFiles, SkippedDirectoriesMatchNamesAndPrefixes) {
    RuntimeFiles files;
    files.skipped_directories = {"test", "config-*"};
    EXPECT_TRUE(files.skips("test"));
    EXPECT_TRUE(files.skips("config-3.11-x86_64-linux-gnu"));
    EXPECT_FALSE(files.skips("tests"));
    EXPECT_FALSE(files.skips("configparser"));
}

TEST(RuntimeFiles, AnOrdinaryProgramIsNoRuntime) {
    std::string note;
    EXPECT_FALSE(recognise_runtime("/bin/ls", note));
    EXPECT_EQ(note, "");
}

TEST(RuntimeFiles, AnInterpreterThatCannotBeAskedLeavesANote) {
    // Named like Python, but it prints nothing and fails.
    std::string fake = testing::TempDir() + "/python3.99";
    ASSERT_EQ(symlink("/bin/false", fake.c_str()) == 0 || errno == EEXIST, true);
    std::string note;
    EXPECT_FALSE(recognise_runtime(fake, note));
    EXPECT_NE(note.find("--add"), std::string::npos) << note;
    unlink(fake.c_str());
}

TEST(RuntimeFiles, HostPythonNamesItsStandardLibraryWithoutSiteDirectories) {
    if (access("/usr/bin/python3", X_OK) != 0) GTEST_FAIL() << "python3 is part of the project's setup";
    std::string note;
    auto files = recognise_runtime("/usr/bin/python3", note);
    ASSERT_TRUE(files) << note;
    EXPECT_EQ(files->runtime, "python");
    ASSERT_FALSE(files->directories.empty());
    for (auto& dir : files->directories) {
        EXPECT_EQ(dir.find("dist-packages"), std::string::npos) << dir;
        EXPECT_EQ(dir.find("site-packages"), std::string::npos) << dir;
    }
    // lib-dynload lies inside the standard library: listed once, with it.
    EXPECT_TRUE(std::none_of(files->directories.begin(), files->directories.end(),
                             [](const std::string& d) { return d.find("lib-dynload") != std::string::npos; }));
}

TEST(RuntimeFiles, PythonImageHoldsStdlibExtensionModulesAndTheirLibraries) {
    ImageTree tree;
    RuntimeAdditions added;
    std::string error;
    ASSERT_TRUE(add_runtime_files(tree, "/usr/bin/python3", added, error)) << error;
    ASSERT_EQ(added.runtime, "python");
    ASSERT_EQ(added.directories.size(), 1u);
    std::string stdlib = added.directories[0];
    EXPECT_TRUE(tree.find(stdlib + "/os.py"));
    EXPECT_TRUE(tree.find(stdlib + "/json/__init__.py"));
    EXPECT_FALSE(tree.find(stdlib + "/test")) << "the test suite is left out";
    const ImageNode* sqlite_module = nullptr;
    for (auto& [path, node] : tree.nodes())
        if (path.find("/lib-dynload/_sqlite3.") != std::string::npos) sqlite_module = &node;
    ASSERT_TRUE(sqlite_module) << "Debian's python3.11 has _sqlite3 in lib-dynload";

    std::vector<std::string> notes;
    ASSERT_TRUE(add_tree_dependencies(tree, {added.directories, false, ""}, host_library_search(""), notes, error))
        << error;
    bool has_sqlite = false;
    for (auto& [path, node] : tree.nodes())
        has_sqlite = has_sqlite || (node.type == ImageNode::Type::File && path.find("/libsqlite3.so") != std::string::npos);
    EXPECT_TRUE(has_sqlite) << "the library _sqlite3 needs comes along";
}

TEST(RuntimeFiles, PerlImageHoldsItsIncDirectories) {
    ImageTree tree;
    RuntimeAdditions added;
    std::string error;
    ASSERT_TRUE(add_runtime_files(tree, "/usr/bin/perl", added, error)) << error;
    EXPECT_EQ(added.runtime, "perl");
    bool has_strict = false;
    for (auto& [path, node] : tree.nodes()) has_strict = has_strict || path.ends_with("/strict.pm");
    EXPECT_TRUE(has_strict);
}

TEST(RuntimeFiles, JavaIsItsHomeWithoutTheDeveloperParts) {
    if (access("/usr/bin/java", X_OK) != 0) GTEST_FAIL() << "openjdk-17-jdk-headless is part of the project's setup";
    std::string note;
    auto files = recognise_runtime("/usr/bin/java", note);  // symlinks to .../bin/java
    ASSERT_TRUE(files) << note;
    EXPECT_EQ(files->runtime, "java");
    ASSERT_EQ(files->directories.size(), 1u);
    EXPECT_EQ(access((files->directories[0] + "/lib/modules").c_str(), R_OK), 0) << files->directories[0];
    EXPECT_TRUE(files->skips("jmods"));
    EXPECT_FALSE(files->skips("lib"));
}

TEST(RuntimeFiles, ProgramsOnGlibcGetTheUnwinderGlibcLoadsItself) {
    ImageTree tree;
    std::string added, error;
    std::vector<ResolvedLibrary> libc = {{"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "prog", "ld.so.cache"}};
    ASSERT_TRUE(add_libc_companions(tree, libc, host_library_search(""), added, error)) << error;
    ASSERT_NE(added, "") << "Debian always has libgcc_s.so.1 (libgcc-s1)";
    EXPECT_NE(added.find("libgcc_s.so.1"), std::string::npos);
    auto where = tree.resolve(added);
    ASSERT_TRUE(where);
    EXPECT_TRUE(tree.find(*where));

    ImageTree without_libc;
    std::string none;
    ASSERT_TRUE(add_libc_companions(without_libc, {}, host_library_search(""), none, error));
    EXPECT_EQ(none, "") << "a program without libc.so.6 needs no unwinder from it";
}

}  // namespace
}  // namespace osprey
