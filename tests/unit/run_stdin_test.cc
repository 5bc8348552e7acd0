// The host side of standard input: frames through a real pipe, decoded as the kernel does.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "protocol/stdin_frames.h"
#include "vm/stdin_forwarder.h"

namespace {

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
        r = fds[0];
        w = fds[1];
    }
    ~Pipe() {
        if (r >= 0) close(r);
        if (w >= 0) close(w);
    }
};

// Runs the forwarder the way the VM runner does until it finishes, draining the sink as
// the guest would; returns the decoded bytes and whether end-of-file arrived.
std::pair<std::string, bool> pump(osprey::StdinForwarder& forwarder, int sink_read, std::string* raw = nullptr) {
    protocol::StdinFrameDecoder decoder;
    std::string received;
    auto drain = [&] {
        u8 buffer[65536];
        ssize_t n;
        while ((n = read(sink_read, buffer, sizeof buffer)) > 0) {
            if (raw) raw->append(reinterpret_cast<char*>(buffer), static_cast<size_t>(n));
            decoder.feed(std::span<const u8>(buffer, static_cast<size_t>(n)),
                         [&](std::span<const u8> data) { received.append(data.begin(), data.end()); });
        }
    };
    fcntl(sink_read, F_SETFL, O_NONBLOCK);
    for (int round = 0; round < 100000 && !forwarder.finished(); round++) {
        if (int source = forwarder.source_to_poll(); source >= 0) {
            pollfd p{source, POLLIN, 0};
            if (poll(&p, 1, 1000) > 0) forwarder.on_source_ready();
        }
        if (forwarder.wants_to_write()) forwarder.on_sink_ready();
        drain();
    }
    drain();
    return {received, decoder.eof()};
}

TEST(RunStdin, DataArrivesInFramesThenEndOfFile) {
    Pipe source, sink;
    fcntl(sink.w, F_SETFL, O_NONBLOCK);
    ASSERT_EQ(write(source.w, "hello\n", 6), 6);
    close(source.w);
    source.w = -1;
    osprey::StdinForwarder forwarder(source.r, sink.w);
    auto [data, eof] = pump(forwarder, sink.r);
    EXPECT_EQ(data, "hello\n");
    EXPECT_TRUE(eof);
    EXPECT_TRUE(forwarder.finished());
}

TEST(RunStdin, MoreThanAPipeFullNeverBlocksAndArrivesWhole) {
    // 300 KiB through a 64 KiB pipe: the forwarder must wait for room, not block.
    std::string big;
    for (int i = 0; i < 300 * 1024; i++) big += static_cast<char>('a' + i % 26);
    char path[] = "/tmp/osprey-stdin-test-XXXXXX";
    int file = mkstemp(path);
    ASSERT_GE(file, 0);
    unlink(path);
    ASSERT_EQ(write(file, big.data(), big.size()), static_cast<ssize_t>(big.size()));
    lseek(file, 0, SEEK_SET);
    Pipe sink;
    fcntl(sink.w, F_SETFL, O_NONBLOCK);
    osprey::StdinForwarder forwarder(file, sink.w);
    std::string raw;
    auto [data, eof] = pump(forwarder, sink.r, &raw);
    close(file);
    EXPECT_EQ(data.size(), big.size());
    EXPECT_EQ(data, big);
    EXPECT_TRUE(eof);
    // Walk the frames: none carries more than 4096 bytes, and the last is the empty one.
    size_t at = 0, frames = 0, last_length = 1;
    while (at + 4 <= raw.size()) {
        u32 length = 0;
        for (int i = 0; i < 4; i++) length |= static_cast<u32>(static_cast<u8>(raw[at + i])) << (8 * i);
        EXPECT_LE(length, osprey::StdinForwarder::kMaxFrameData);
        at += 4 + length;
        frames++;
        last_length = length;
    }
    EXPECT_EQ(at, raw.size());
    EXPECT_EQ(last_length, 0u);
    EXPECT_GE(frames, big.size() / osprey::StdinForwarder::kMaxFrameData + 1);
}

TEST(RunStdin, AClosedStdinIsEndOfFileAtOnce) {
    Pipe sink;
    fcntl(sink.w, F_SETFL, O_NONBLOCK);
    osprey::StdinForwarder forwarder(-1, sink.w);
    EXPECT_EQ(forwarder.source_to_poll(), -1);
    auto [data, eof] = pump(forwarder, sink.r);
    EXPECT_EQ(data, "");
    EXPECT_TRUE(eof);
    u8 nothing;
    EXPECT_LE(read(sink.r, &nothing, 1), 0);
}

TEST(RunStdin, DevNullGivesOnlyTheEndOfFileFrame) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    Pipe sink;
    fcntl(sink.w, F_SETFL, O_NONBLOCK);
    osprey::StdinForwarder forwarder(null, sink.w);
    forwarder.on_source_ready();
    close(null);
    u8 bytes[16];
    ASSERT_EQ(read(sink.r, bytes, sizeof bytes), 4);
    for (int i = 0; i < 4; i++) EXPECT_EQ(bytes[i], 0);
    EXPECT_TRUE(forwarder.finished());
}

TEST(RunStdin, AVanishedReaderEndsForwarding) {
    Pipe source, sink;
    fcntl(sink.w, F_SETFL, O_NONBLOCK);
    close(sink.r);
    sink.r = -1;
    signal(SIGPIPE, SIG_IGN);
    ASSERT_EQ(write(source.w, "x", 1), 1);
    osprey::StdinForwarder forwarder(source.r, sink.w);
    forwarder.on_source_ready();
    EXPECT_TRUE(forwarder.finished());
    EXPECT_FALSE(forwarder.wants_to_write());
}

}  // namespace
