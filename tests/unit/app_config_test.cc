#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/app_config.h"
#include "protocol/stdin_frames.h"

namespace {

std::string encode(const std::vector<std::string>& fields) {
    std::string out;
    for (auto& f : fields) protocol::encode_field(f, [&](std::string_view s) { out.append(s); });
    return out;
}

struct Parsed {
    std::string_view argv[8];
    std::string_view env[8];
    protocol::AppConfig config;
    int error = 0;
};

void parse(const std::string& bytes, Parsed& p) {
    auto r = protocol::parse_app_config(bytes, p.argv, p.env, p.config);
    p.error = r.error();
}

TEST(AppConfig, ParsesEveryRecordWithArbitraryBytesInArguments) {
    std::string bytes = encode({"osprey-app-v1", "exe", "/bin/busybox", "argv", "3", "/bin/busybox", "echo",
                                "two words\n\"quoted\"", "env", "2", "PATH=/bin", "HOME=/", "workdir", "/tmp", "tty",
                                "1", "0", "1", "uid", "1000", "gid", "100", "random",
                                std::string(64, 'a')});
    Parsed p;
    parse(bytes, p);
    ASSERT_EQ(p.error, 0);
    EXPECT_EQ(p.config.exe, "/bin/busybox");
    ASSERT_EQ(p.config.argv.size(), 3u);
    EXPECT_EQ(p.config.argv[2], "two words\n\"quoted\"");
    ASSERT_EQ(p.config.env.size(), 2u);
    EXPECT_EQ(p.config.env[1], "HOME=/");
    EXPECT_EQ(p.config.workdir, "/tmp");
    EXPECT_TRUE(p.config.tty[0]);
    EXPECT_FALSE(p.config.tty[1]);
    EXPECT_EQ(p.config.uid, 1000u);
    EXPECT_EQ(p.config.gid, 100u);
    EXPECT_TRUE(p.config.has_random);
    EXPECT_EQ(p.config.random[0], 0xaa);
}

TEST(AppConfig, EmptyArgumentsSurvive) {
    Parsed p;
    parse(encode({"osprey-app-v1", "exe", "/a", "argv", "3", "/a", "", "x"}), p);
    ASSERT_EQ(p.error, 0);
    EXPECT_EQ(p.config.argv[1], "");
    EXPECT_EQ(p.config.workdir, "/");
}

TEST(AppConfig, RejectsMalformedInput) {
    Parsed p;
    parse(encode({"osprey-app-v2", "exe", "/a", "argv", "1", "/a"}), p);
    EXPECT_EQ(p.error, EINVAL);
    parse(encode({"osprey-app-v1", "argv", "1", "/a"}), p);  // no exe
    EXPECT_EQ(p.error, EINVAL);
    parse(encode({"osprey-app-v1", "exe", "/a", "argv", "2", "/a"}), p);  // short list
    EXPECT_EQ(p.error, EINVAL);
    parse(encode({"osprey-app-v1", "exe", "/a", "argv", "1", "/a", "bogus", "x"}), p);
    EXPECT_EQ(p.error, EINVAL);
    parse(encode({"osprey-app-v1", "exe", "/a", "argv", "x", "/a"}), p);
    EXPECT_EQ(p.error, EINVAL);
    parse(std::string("osprey-app-v1\0exe\0/a", 20), p);  // unterminated
    EXPECT_EQ(p.error, EINVAL);
    parse(encode({"osprey-app-v1", "exe", "/a", "argv", "1", "/a", "random", "zz"}), p);
    EXPECT_EQ(p.error, EINVAL);
}

TEST(AppConfig, TooManyArgumentsIsE2BIG) {
    std::vector<std::string> fields = {"osprey-app-v1", "exe", "/a", "argv", "9"};
    for (int i = 0; i < 9; i++) fields.push_back("x");
    Parsed p;
    parse(encode(fields), p);
    EXPECT_EQ(p.error, E2BIG);
}

TEST(StdinFrames, DecodesDataInAnySplitAndStopsAtEndOfFile) {
    std::vector<u8> stream;
    auto frame = [&](const std::string& data) {
        u8 header[4];
        protocol::encode_stdin_header(static_cast<u32>(data.size()), header);
        stream.insert(stream.end(), header, header + 4);
        stream.insert(stream.end(), data.begin(), data.end());
    };
    frame("hello ");
    frame(std::string(70000, 'x'));
    frame("");
    frame("after eof");
    for (size_t chunk : {1ul, 3ul, 4096ul, stream.size()}) {
        protocol::StdinFrameDecoder decoder;
        std::string out;
        for (size_t i = 0; i < stream.size(); i += chunk) {
            size_t n = std::min(chunk, stream.size() - i);
            decoder.feed(std::span<const u8>(stream.data() + i, n),
                         [&](std::span<const u8> d) { out.append(d.begin(), d.end()); });
        }
        EXPECT_TRUE(decoder.eof());
        EXPECT_EQ(out, "hello " + std::string(70000, 'x')) << chunk;
    }
}

}  // namespace
