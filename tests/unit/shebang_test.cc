// Reading a script's "#!" line as Linux's binfmt_script does (tools/osprey/image/program_file.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "image/program_file.h"

namespace osprey {
namespace {

std::vector<u8> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

TEST(Shebang, InterpreterAlone) {
    std::string error;
    auto line = parse_shebang(bytes_of("#!/usr/bin/python3\nprint(1)\n"), error);
    ASSERT_TRUE(line) << error;
    EXPECT_EQ(line->interpreter, "/usr/bin/python3");
    EXPECT_FALSE(line->argument);
}

TEST(Shebang, TheRestOfTheLineIsOneArgument) {
    std::string error;
    auto line = parse_shebang(bytes_of("#! /bin/sh  -e -u \t\r\necho\n"), error);
    ASSERT_TRUE(line) << error;
    EXPECT_EQ(line->interpreter, "/bin/sh");
    EXPECT_EQ(line->argument, "-e -u") << "spaces inside kept, trailing blanks and CR dropped";
}

TEST(Shebang, ScriptWithoutANewline) {
    std::string error;
    auto line = parse_shebang(bytes_of("#!/usr/bin/env lua5.4"), error);
    ASSERT_TRUE(line) << error;
    EXPECT_EQ(line->interpreter, "/usr/bin/env");
    EXPECT_EQ(line->argument, "lua5.4");
}

TEST(Shebang, NotAScript) {
    std::string error;
    EXPECT_FALSE(parse_shebang(bytes_of("\x7f" "ELF"), error));
    EXPECT_FALSE(parse_shebang(bytes_of("#"), error));
    EXPECT_FALSE(parse_shebang({}, error));
    EXPECT_EQ(error, "");
}

TEST(Shebang, BadLinesAreErrors) {
    std::string error;
    EXPECT_FALSE(parse_shebang(bytes_of("#!   \nx\n"), error));
    EXPECT_NE(error.find("no interpreter"), std::string::npos) << error;
    error.clear();
    EXPECT_FALSE(parse_shebang(bytes_of("#!/" + std::string(300, 'x') + "\n"), error));
    EXPECT_NE(error.find("255"), std::string::npos) << error;
}

}  // namespace
}  // namespace osprey
