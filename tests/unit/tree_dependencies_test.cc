// What programs, shared objects and scripts in --add trees bring with them
// (tools/osprey/image/tree_dependencies.h): on trees of hand-written ELF files and
// scripts in a temporary directory, and on the host's own bash and gcc.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fake_elf.h"
#include "image/host_files.h"
#include "image/image_builder.h"
#include "image/tree_dependencies.h"

namespace osprey {
namespace {

using test_elf::make_elf;

// A fresh directory tree on the host, removed at the end of the test.
class HostTree {
public:
    HostTree() {
        std::string pattern = testing::TempDir() + "/deps.XXXXXX";
        // Image paths are normal: no "//" from a TempDir() that ends in '/'.
        m_root = std::filesystem::path(mkdtemp(pattern.data())).lexically_normal().string();
    }
    ~HostTree() { std::filesystem::remove_all(m_root); }
    const std::string& root() const { return m_root; }
    std::string path(const std::string& relative) const { return m_root + "/" + relative; }

    void write(const std::string& relative, const std::vector<u8>& bytes, mode_t mode) {
        std::string full = path(relative);
        std::filesystem::create_directories(std::filesystem::path(full).parent_path());
        std::ofstream(full, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                    static_cast<std::streamsize>(bytes.size()));
        chmod(full.c_str(), mode);
    }
    void write_text(const std::string& relative, const std::string& text, mode_t mode) {
        write(relative, std::vector<u8>(text.begin(), text.end()), mode);
    }

private:
    std::string m_root;
};

bool in_image(const ImageTree& tree, const std::string& path) {
    auto where = tree.resolve(path);
    return where && tree.find(*where);
}

// A dynamically linked program with its loader and two libraries: the program finds
// libfoo through its RUNPATH ($ORIGIN/../lib), libfoo finds libbar in a default directory.
struct FakeInstall {
    HostTree host;
    LibrarySearch search;
    FakeInstall() {
        host.write("lib/ld.so", make_elf({.soname = "ld.so"}), 0755);
        host.write("lib/libfoo.so.1", make_elf({.needed = {"libbar.so.2"}, .soname = "libfoo.so.1"}), 0644);
        host.write("system/libbar.so.2", make_elf({.soname = "libbar.so.2"}), 0644);
        host.write("bin/prog",
                   make_elf({.needed = {"libfoo.so.1"}, .runpath = "$ORIGIN/../lib", .interpreter = host.path("lib/ld.so")}),
                   0755);
        search.default_directories = {host.path("system")};
    }
    bool has(const ImageTree& tree, const std::string& relative) const { return in_image(tree, host.path(relative)); }
    // Adds the host folder `relative` at its own path and resolves what its programs (and
    // its scripts, unless told not to) need: the notes that gave.
    std::vector<std::string> add_and_resolve(ImageTree& tree, const std::string& relative, bool scripts = true) {
        std::string error;
        std::vector<std::string> notes;
        EXPECT_TRUE(add_host_tree(tree, {host.path(relative), host.path(relative)}, error)) << error;
        EXPECT_TRUE(add_tree_dependencies(tree, {{host.path(relative)}, scripts, ""}, search, notes, error)) << error;
        return notes;
    }
};

TEST(TreeDependencies, AnAddedProgramGetsItsInterpreterAndLibraries) {
    FakeInstall f;
    ImageTree tree;
    std::vector<std::string> notes = f.add_and_resolve(tree, "bin");
    EXPECT_TRUE(notes.empty()) << notes[0];
    EXPECT_TRUE(f.has(tree, "lib/ld.so"));
    EXPECT_TRUE(f.has(tree, "lib/libfoo.so.1"));
    EXPECT_TRUE(f.has(tree, "system/libbar.so.2"));
    if (access("/etc/ld.so.cache", R_OK) == 0) {
        EXPECT_TRUE(tree.find("/etc/ld.so.cache"));
    }
}

TEST(TreeDependencies, OriginIsTheProgramsDirectoryInTheImage) {
    // The program and its library both added under /opt/app: $ORIGIN/../lib is found in the
    // image, so nothing comes from the host's own lib/.
    FakeInstall f;
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(add_host_tree(tree, {f.host.path("bin"), "/opt/app/bin"}, error)) << error;
    ASSERT_TRUE(add_host_tree(tree, {f.host.path("lib"), "/opt/app/lib"}, error)) << error;
    std::vector<std::string> notes;
    ASSERT_TRUE(add_tree_dependencies(tree, {{"/opt/app/bin"}, true, ""}, f.search, notes, error)) << error;
    EXPECT_TRUE(notes.empty()) << notes[0];
    EXPECT_FALSE(f.has(tree, "lib/libfoo.so.1"));
    EXPECT_TRUE(tree.find("/opt/app/lib/libfoo.so.1"));
    EXPECT_TRUE(f.has(tree, "system/libbar.so.2")) << "libfoo's own needs are still resolved";
}

TEST(TreeDependencies, AMissingLibraryIsANoteAndFilesThatNeverRunAreNotRead) {
    FakeInstall f;
    f.host.write("bin/broken", make_elf({.needed = {"libmissing.so.9"}, .interpreter = f.host.path("lib/ld.so")}), 0755);
    // Not executable and not a shared object: data, whatever it needs.
    f.host.write("bin/data.bin", make_elf({.needed = {"libother.so.1"}}), 0644);
    ImageTree tree;
    std::vector<std::string> notes = f.add_and_resolve(tree, "bin");
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("libmissing.so.9"), std::string::npos) << notes[0];
    EXPECT_NE(notes[0].find("bin/broken"), std::string::npos) << notes[0];
    EXPECT_TRUE(f.has(tree, "lib/libfoo.so.1")) << "the other program is still resolved";
}

TEST(TreeDependencies, AScriptGetsItsInterpreterFromTheHostResolvedInTurn) {
    FakeInstall f;
    f.host.write_text("scripts/run", "#!" + f.host.path("bin/prog") + " -x\necho\n", 0755);
    ImageTree tree;
    std::vector<std::string> notes = f.add_and_resolve(tree, "scripts");
    EXPECT_TRUE(notes.empty()) << notes[0];
    EXPECT_TRUE(f.has(tree, "bin/prog"));
    EXPECT_TRUE(f.has(tree, "lib/libfoo.so.1"));
    EXPECT_TRUE(f.has(tree, "lib/ld.so"));
}

TEST(TreeDependencies, AnInterpreterThatIsAScriptBringsItsOwn) {
    FakeInstall f;
    f.host.write_text("bin/wrapper", "#!" + f.host.path("bin/prog") + "\n", 0755);
    f.host.write_text("scripts/run", "#!" + f.host.path("bin/wrapper") + "\n", 0755);
    ImageTree tree;
    std::vector<std::string> notes = f.add_and_resolve(tree, "scripts");
    EXPECT_TRUE(notes.empty()) << notes[0];
    EXPECT_TRUE(f.has(tree, "bin/wrapper"));
    EXPECT_TRUE(f.has(tree, "bin/prog"));
    EXPECT_TRUE(f.has(tree, "lib/libfoo.so.1"));
}

TEST(TreeDependencies, EnvScriptsGetTheFirstProgramOnTheGuestsPath) {
    FakeInstall f;
    f.host.write_text("scripts/run", "#!/usr/bin/env prog\n", 0755);
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(add_host_tree(tree, {f.host.path("scripts"), f.host.path("scripts")}, error)) << error;
    std::vector<std::string> notes;
    std::string path = f.host.path("nowhere") + ":" + f.host.path("bin");
    // The host's own env comes too, and needs the host's libc.
    LibrarySearch search = host_library_search("");
    search.default_directories.push_back(f.host.path("system"));
    ASSERT_TRUE(add_tree_dependencies(tree, {{f.host.path("scripts")}, true, path}, search, notes, error)) << error;
    EXPECT_TRUE(notes.empty()) << notes[0];
    EXPECT_TRUE(in_image(tree, "/usr/bin/env")) << "env itself comes too";
    EXPECT_TRUE(f.has(tree, "bin/prog"));
    EXPECT_TRUE(f.has(tree, "lib/libfoo.so.1"));
}

TEST(TreeDependencies, AScriptWhoseInterpreterIsNowhereIsANote) {
    FakeInstall f;
    f.host.write_text("scripts/run", "#!/no/such/interpreter\n", 0755);
    f.host.write_text("scripts/not-executable", "#!/no/such/either\n", 0644);
    ImageTree tree;
    std::vector<std::string> notes = f.add_and_resolve(tree, "scripts");
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("/no/such/interpreter"), std::string::npos) << notes[0];
}

TEST(TreeDependencies, AScriptsPythonComesWithItsStandardLibrary) {
    if (access("/usr/bin/python3", X_OK) != 0) GTEST_FAIL() << "python3 is part of the project's setup";
    HostTree host;
    host.write_text("tools/hello.py", "#!/usr/bin/python3\nprint('hello')\n", 0755);
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(add_host_tree(tree, {host.path("tools"), host.path("tools")}, error)) << error;
    std::vector<std::string> notes;
    ASSERT_TRUE(add_tree_dependencies(tree, {{host.path("tools")}, true, ""}, host_library_search(""), notes, error))
        << error;
    EXPECT_TRUE(in_image(tree, "/usr/bin/python3"));
    bool has_os = false, has_sqlite = false;
    for (auto& [path, node] : tree.nodes()) {
        has_os = has_os || path.ends_with("/os.py");
        has_sqlite = has_sqlite || (node.type == ImageNode::Type::File && path.find("/libsqlite3.so") != std::string::npos);
    }
    EXPECT_TRUE(has_os) << "the standard library";
    EXPECT_TRUE(has_sqlite) << "the libraries of its extension modules (_sqlite3)";
}

TEST(TreeDependencies, ScriptsAreLeftAloneWhenNotAsked) {
    FakeInstall f;
    f.host.write_text("scripts/run", "#!" + f.host.path("bin/prog") + "\n", 0755);
    ImageTree tree;
    std::vector<std::string> notes = f.add_and_resolve(tree, "scripts", false);
    EXPECT_FALSE(f.has(tree, "bin/prog"));
}

TEST(TreeDependencies, AnAddAtRunTimeBringsWhatItsProgramsNeed) {
    // An image built before (here: empty) and `osprey run --add` of the host's bash.
    ComposedImage image;
    RunOverrides overrides;
    overrides.add = {{"/usr/bin/bash", "/usr/bin/bash"}};
    std::string error;
    ASSERT_TRUE(apply_run_overrides(image, overrides, error)) << error;
    auto has = [&](const std::string& path) { return in_image(image.tree, path); };
    EXPECT_TRUE(has("/lib64/ld-linux-x86-64.so.2"));
    EXPECT_TRUE(has("/lib/x86_64-linux-gnu/libc.so.6"));
    EXPECT_TRUE(has("/lib/x86_64-linux-gnu/libtinfo.so.6")) << "Debian's bash needs libtinfo";
    EXPECT_TRUE(has("/etc/ld.so.cache"));
}

TEST(TreeDependencies, GccsLibraryDirectoryBringsWhatCc1Needs) {
    if (access("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", X_OK) != 0) GTEST_FAIL() << "gcc is part of the project's setup";
    ImageTree tree;
    std::string error;
    const std::string gcc = "/usr/lib/gcc/x86_64-linux-gnu/12";
    ASSERT_TRUE(add_host_tree(tree, {gcc, gcc}, error)) << error;
    std::vector<std::string> notes;
    ASSERT_TRUE(add_tree_dependencies(tree, {{gcc}, true, ""}, host_library_search(""), notes, error)) << error;
    bool has_mpc = false, has_isl = false;
    for (auto& [path, node] : tree.nodes()) {
        std::string name = std::filesystem::path(path).filename().string();
        has_mpc = has_mpc || name.starts_with("libmpc.so");
        has_isl = has_isl || name.starts_with("libisl.so");
    }
    EXPECT_TRUE(has_mpc && has_isl) << "cc1 links libmpc and libisl";
}

}  // namespace
}  // namespace osprey
