#include "ninep/protocol.h"

#include <gtest/gtest.h>

#include <vector>

using ninep::Reader;
using ninep::Type;
using ninep::Writer;

namespace {

// A reply as a server would send it: header, then body bytes.
std::vector<u8> reply(Type type, u16 tag, std::vector<u8> body) {
    std::vector<u8> message(ninep::kHeaderSize);
    u32 size = static_cast<u32>(ninep::kHeaderSize + body.size());
    for (int i = 0; i < 4; i++) message[i] = static_cast<u8>(size >> (8 * i));
    message[4] = static_cast<u8>(type);
    message[5] = static_cast<u8>(tag);
    message[6] = static_cast<u8>(tag >> 8);
    message.insert(message.end(), body.begin(), body.end());
    return message;
}

void put(std::vector<u8>& out, u64 value, int size) {
    for (int i = 0; i < size; i++) out.push_back(static_cast<u8>(value >> (8 * i)));
}

}  // namespace

TEST(NinepWriter, WalkIsLaidOutAsTheProtocolSays) {
    u8 buffer[64];
    ninep::Writer w(buffer, Type::Twalk, 0x1234);
    w.put32(1).put32(2).put16(1).put_string("etc");
    auto message = w.finish();
    ASSERT_TRUE(message.is_ok());
    std::vector<u8> expected = {24, 0, 0, 0, 110, 0x34, 0x12, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 3, 0, 'e', 't', 'c'};
    expected[0] = static_cast<u8>(expected.size());
    EXPECT_EQ(std::vector<u8>(message.value().begin(), message.value().end()), expected);
}

TEST(NinepWriter, AMessageThatDoesNotFitIsRefused) {
    u8 buffer[12];
    ninep::Writer w(buffer, Type::Twalk, 1);
    w.put32(1).put32(2).put16(1).put_string("a-long-name");
    auto message = w.finish();
    ASSERT_TRUE(message.is_error());
    EXPECT_EQ(message.error(), EMSGSIZE);
}

TEST(NinepWriter, ANameLongerThanAStringCanSayIsRefused) {
    std::vector<u8> buffer(70000);
    std::string name(65536, 'x');
    ninep::Writer w(buffer, Type::Twalk, 1);
    w.put32(1).put32(2).put16(1).put_string(name);
    auto message = w.finish();
    ASSERT_TRUE(message.is_error());
    EXPECT_EQ(message.error(), ENAMETOOLONG);
}

TEST(NinepReader, ReadsAWalkReply) {
    std::vector<u8> body;
    put(body, 1, 2);
    put(body, ninep::kQidDirectory, 1);
    put(body, 7, 4);
    put(body, 0x1122334455667788, 8);
    auto message = reply(Type::Rwalk, 9, body);
    auto r = Reader::open(message, Type::Rwalk, 9);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value().get16(), 1);
    auto qid = r.value().get_qid();
    EXPECT_TRUE(r.value().ok());
    EXPECT_EQ(qid, (ninep::Qid{ninep::kQidDirectory, 7, 0x1122334455667788}));
}

TEST(NinepReader, AnErrorReplyIsItsErrno) {
    std::vector<u8> body;
    put(body, ENOENT, 4);
    auto r = Reader::open(reply(Type::Rlerror, 3, body), Type::Rwalk, 3);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error(), ENOENT);
}

TEST(NinepReader, NonsenseIsEio) {
    std::vector<u8> zero_errno;
    put(zero_errno, 0, 4);
    std::vector<u8> huge_errno;
    put(huge_errno, 100000, 4);
    std::vector<u8> empty;
    EXPECT_EQ(Reader::open(reply(Type::Rlerror, 3, zero_errno), Type::Rwalk, 3).error(), EIO);
    EXPECT_EQ(Reader::open(reply(Type::Rlerror, 3, huge_errno), Type::Rwalk, 3).error(), EIO);
    EXPECT_EQ(Reader::open(reply(Type::Rlerror, 3, empty), Type::Rwalk, 3).error(), EIO);
    // Another request's tag, another type, a size beyond what arrived, a cut header.
    EXPECT_EQ(Reader::open(reply(Type::Rwalk, 4, empty), Type::Rwalk, 3).error(), EIO);
    EXPECT_EQ(Reader::open(reply(Type::Rread, 3, empty), Type::Rwalk, 3).error(), EIO);
    auto grown = reply(Type::Rwalk, 3, empty);
    grown[0] = 200;
    EXPECT_EQ(Reader::open(grown, Type::Rwalk, 3).error(), EIO);
    EXPECT_EQ(Reader::open(std::vector<u8>{1, 2, 3}, Type::Rwalk, 3).error(), EIO);
}

TEST(NinepReader, ReadsPastTheEndClearOk) {
    std::vector<u8> body;
    put(body, 5, 2);  // a string of 5 bytes with only 2 there
    put(body, 'a', 1);
    put(body, 'b', 1);
    auto message = reply(Type::Rreadlink, 1, body);  // the reader reads it in place: kept alive
    auto r = Reader::open(message, Type::Rreadlink, 1);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value().get_string(), "");
    EXPECT_FALSE(r.value().ok());
    EXPECT_EQ(r.value().get64(), 0u);
}

TEST(NinepReader, AttributesNeedTheWholeBody) {
    std::vector<u8> body;
    put(body, ninep::kGetattrBasic, 8);
    put(body, 0, 13);
    put(body, 0100644, 4);
    put(body, 1000, 4);
    put(body, 1000, 4);
    // nlink, rdev, size, blksize, blocks, then three times in seconds and nanoseconds.
    for (int i = 0; i < 11; i++) put(body, i + 1, 8);
    auto message = reply(Type::Rgetattr, 2, body);
    auto r = Reader::open(message, Type::Rgetattr, 2);
    ASSERT_TRUE(r.is_ok());
    auto a = ninep::read_attributes(r.value());
    ASSERT_TRUE(a.is_ok());
    EXPECT_EQ(a.value().mode, 0100644u);
    EXPECT_EQ(a.value().nlink, 1u);
    EXPECT_EQ(a.value().size, 3u);
    EXPECT_EQ(a.value().ctime_nanoseconds, 11u);

    body.pop_back();
    auto cut = reply(Type::Rgetattr, 2, body);
    auto short_reader = Reader::open(cut, Type::Rgetattr, 2);
    ASSERT_TRUE(short_reader.is_ok());
    EXPECT_TRUE(ninep::read_attributes(short_reader.value()).is_error());
}

TEST(NinepDirectoryEntries, WalksEntriesAndStopsAtACutOne) {
    std::vector<u8> data;
    auto entry = [&](u64 path, u64 offset, u8 type, std::string name) {
        put(data, 0, 1);
        put(data, 0, 4);
        put(data, path, 8);
        put(data, offset, 8);
        put(data, type, 1);
        put(data, name.size(), 2);
        data.insert(data.end(), name.begin(), name.end());
    };
    entry(10, 1, 4, ".");
    entry(11, 2, 8, "file");
    ninep::DirectoryEntries entries(data);
    ninep::DirectoryEntry e;
    ASSERT_TRUE(entries.next(e));
    EXPECT_EQ(e.name, ".");
    ASSERT_TRUE(entries.next(e));
    EXPECT_EQ(e.name, "file");
    EXPECT_EQ(e.qid.path, 11u);
    EXPECT_EQ(e.offset, 2u);
    EXPECT_FALSE(entries.next(e));
    EXPECT_FALSE(entries.malformed());

    data.pop_back();  // the last name is now cut
    ninep::DirectoryEntries cut(data);
    ASSERT_TRUE(cut.next(e));
    EXPECT_FALSE(cut.next(e));
    EXPECT_TRUE(cut.malformed());
}
