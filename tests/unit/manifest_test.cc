// The TOML manifest of `osprey build -f`: every key, both spellings of env and add, and
// errors that name the file and line.
#include <gtest/gtest.h>

#include "image/manifest.h"

namespace {

using Words = std::vector<std::string>;

std::optional<osprey::Manifest> parse(const std::string& text, std::string& error) {
    return osprey::parse_manifest(text, "osprey.toml", "/home/me/app", error);
}

TEST(Manifest, ReadsEveryKey) {
    std::string error;
    auto m = parse(R"(# an example
program = "./bin/server"
args = ["--port", "80", "two words"]
workdir = "/srv"
memory = "256M"
env = { LANG = "C.UTF-8", MODE = "prod" }
add = ["site:/srv/site", { host = "/etc/app.ini", guest = "/etc/app.ini" }, "data"]
)",
                   error);
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->program, "/home/me/app/bin/server");
    EXPECT_EQ(m->args, (Words{"--port", "80", "two words"}));
    EXPECT_EQ(m->workdir, "/srv");
    EXPECT_EQ(m->memory, "256M");
    EXPECT_EQ(m->env, (Words{"LANG=C.UTF-8", "MODE=prod"}));
    ASSERT_EQ(m->add.size(), 3u);
    EXPECT_EQ(m->add[0].host, "/home/me/app/site");
    EXPECT_EQ(m->add[0].guest, "/srv/site");
    EXPECT_EQ(m->add[1].host, "/etc/app.ini");
    EXPECT_EQ(m->add[2].host, "/home/me/app/data");
    EXPECT_EQ(m->add[2].guest, "/home/me/app/data");
}

TEST(Manifest, VolumesWithAndWithoutAGuestPathTakeTheManifestsDirectory) {
    std::string error;
    auto m = parse("volumes = [\"data.img:/data\", \"raw.img\", \"/abs/ref.img:ro\"]\n", error);
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->volumes, (Words{"/home/me/app/data.img:/data", "/home/me/app/raw.img", "/abs/ref.img:ro"}));
}

TEST(Manifest, ReadsTheNetworkKeys) {
    std::string error;
    auto m = parse("network = \"tap:tap0\"\nmac = \"52:54:00:00:00:01\"\npublish = [\"8080:80\", \"9000:9000\"]\n"
                   "ip = \"10.1.0.2/24,gw=10.1.0.1\"\n", error);
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->ip, "10.1.0.2/24,gw=10.1.0.1");
    EXPECT_EQ(m->network, "tap:tap0");
    EXPECT_EQ(m->mac, "52:54:00:00:00:01");
    EXPECT_EQ(m->publish, (Words{"8080:80", "9000:9000"}));
    auto none = parse("program = \"x\"\n", error);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->network);
    EXPECT_FALSE(none->ip);
    EXPECT_TRUE(none->publish.empty());
    EXPECT_FALSE(parse("publish = \"8080:80\"\n", error));
    EXPECT_EQ(error, "osprey.toml:1: publish: expected an array of strings, found string");
}

TEST(Manifest, SharesTakeRelativeFoldersFromTheManifestsDirectory) {
    std::string error;
    auto m = parse(R"(share = ["out:/data", "/srv:/srv:ro", "conf:/etc/app:rw"])", error);
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->share, (Words{"/home/me/app/out:/data", "/srv:/srv:ro", "/home/me/app/conf:/etc/app:rw"}));
}

TEST(Manifest, EverythingIsOptionalAndBareNamesStayForPathLookup) {
    std::string error;
    auto m = parse("program = \"busybox\"\nenv = [\"A=1\", \"HOSTVAR\"]\nmemory = 512\n", error);
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->program, "busybox");
    EXPECT_FALSE(m->args);
    EXPECT_EQ(m->env, (Words{"A=1", "HOSTVAR"}));
    EXPECT_EQ(m->memory, "512M");
    EXPECT_TRUE(parse("", error));
}

TEST(Manifest, AnUnknownKeyIsAnErrorOnItsLine) {
    std::string error;
    EXPECT_FALSE(parse("program = \"x\"\n\nworkdri = \"/srv\"\n", error));
    EXPECT_EQ(error, "osprey.toml:3: unknown key 'workdri' (expected program, args, env, workdir, memory, add, "
                     "network, mac, publish, ip, share, volumes, volume_size)");
}

TEST(Manifest, AWrongTypeIsAnErrorOnItsLine) {
    std::string error;
    EXPECT_FALSE(parse("program = \"x\"\nargs = \"--verbose\"\n", error));
    EXPECT_EQ(error, "osprey.toml:2: args: expected an array of strings, found string");
    EXPECT_FALSE(parse("args = [\"a\",\n  3]\n", error));
    EXPECT_EQ(error, "osprey.toml:2: args item: expected a string, found integer");
}

TEST(Manifest, ASyntaxErrorNamesItsLine) {
    std::string error;
    EXPECT_FALSE(parse("program = \"x\"\nargs = [\"a\",\n", error));
    EXPECT_EQ(error.rfind("osprey.toml:", 0), 0u) << error;
    EXPECT_FALSE(parse("program = \"x\"\nprogram = \"y\"\n", error));
    EXPECT_EQ(error.rfind("osprey.toml:2: ", 0), 0u) << error;
}

TEST(Manifest, BadValuesAreRefused) {
    std::string error;
    EXPECT_FALSE(parse("workdir = \"srv\"\n", error));
    EXPECT_EQ(error, "osprey.toml:1: workdir: must be an absolute path in the guest");
    EXPECT_FALSE(parse("add = [{ host = \"a\", guest = \"rel\" }]\n", error));
    EXPECT_EQ(error, "osprey.toml:1: add: guest must be an absolute path");
    EXPECT_FALSE(parse("add = [{ guest = \"/x\" }]\n", error));
    EXPECT_EQ(error, "osprey.toml:1: add: a table needs host = \"...\"");
}

// Found by the manifest fuzz target: toml11 3.7.1 read past its buffer while reporting the
// 0xff bytes in the literal string (AddressSanitizer: heap-buffer-overflow). Invalid UTF-8
// is now refused before toml11 sees it.
TEST(Manifest, InvalidUtf8IsRefusedWithItsLine) {
    std::string error;
    std::string fuzzed = "prom = \"./bin/server\"\nworkdir = \"/\"\n\n[env]\nLANG = \"C.UTF-6\"\n"
                         "\"QUOTED KEY\" = 'literal \\ string" + std::string(35, '\xff') + "'\n";
    EXPECT_FALSE(parse(fuzzed, error));
    EXPECT_EQ(error, "osprey.toml:6: not valid UTF-8 (a TOML file is UTF-8 text)");
    for (std::string bad : {"\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8", "\xe2\x82"}) {
        EXPECT_FALSE(parse("args = [\"x\"]\nworkdir = \"/" + bad + "\"\n", error)) << bad;
        EXPECT_EQ(error, "osprey.toml:2: not valid UTF-8 (a TOML file is UTF-8 text)");
    }
    // Every well-formed sequence length passes: U+00E9, U+20AC, U+1F600, U+10FFFF.
    auto m = parse("workdir = \"/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80/\xf4\x8f\xbf\xbf\"\n", error);
    ASSERT_TRUE(m) << error;
    EXPECT_EQ(m->workdir, "/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80/\xf4\x8f\xbf\xbf");
}

// Found by the manifest fuzz target: the table form was joined into "HOST:GUEST" and split
// again at the last ":/", so a guest with ":/" in it moved its start into the host
// (host ".../conf/app.ini:/etc", guest "/p.ini").
TEST(Manifest, ATableKeepsAColonSlashInsideItsGuestOrHost) {
    std::string error;
    auto fuzzed = parse(R"(# ospreeeeHONUNBUFFERED = "1" }   # or ["LANG=C.UTF-8", "TZ"]
add     = [
  "public:/srv",                                  # HOST[:GUEST], as --add
  { host = "conf/app.ini", guest = "/etc/:/p.ini" },
]
network = "user"                    # as --netwos=05.0.2.3"   # as       # = )",
                        error);
    ASSERT_TRUE(fuzzed) << error;
    ASSERT_EQ(fuzzed->add.size(), 2u);
    EXPECT_EQ(fuzzed->add[0].host, "/home/me/app/public");
    EXPECT_EQ(fuzzed->add[0].guest, "/srv");
    EXPECT_EQ(fuzzed->add[1].host, "/home/me/app/conf/app.ini");
    EXPECT_EQ(fuzzed->add[1].guest, "/etc/:/p.ini");

    auto host_only = parse("add = [{ host = \"/mnt/c:/data\" }, { host = \"a:/b\", guest = \"/x:/y/\" }]\n", error);
    ASSERT_TRUE(host_only) << error;
    ASSERT_EQ(host_only->add.size(), 2u);
    EXPECT_EQ(host_only->add[0].host, "/mnt/c:/data");
    EXPECT_EQ(host_only->add[0].guest, "/mnt/c:/data");
    EXPECT_EQ(host_only->add[1].host, "/home/me/app/a:/b");
    EXPECT_EQ(host_only->add[1].guest, "/x:/y/");
}

TEST(Manifest, AMissingFileIsNamed) {
    std::string error;
    EXPECT_FALSE(osprey::load_manifest("/nonexistent/osprey.toml", error));
    EXPECT_EQ(error, "/nonexistent/osprey.toml: cannot read the manifest");
}

}  // namespace
