#include <gtest/gtest.h>

#include <string>

#include "protocol/exit_record.h"

using protocol::ExitReason;
using protocol::ExitRecord;

namespace {

std::string encode(ExitRecord record) {
    char buffer[protocol::kExitRecordMaxLength];
    return std::string(protocol::encode_exit_record(record, buffer, sizeof buffer));
}

TEST(ExitRecord, RoundTripsEveryReasonAndStatus) {
    for (auto reason : {ExitReason::Exited, ExitReason::Signaled, ExitReason::Panic}) {
        for (int status : {0, 1, 42, 128, 255}) {
            ExitRecord record{reason, static_cast<u8>(status)};
            EXPECT_EQ(protocol::find_exit_record(encode(record)), record);
        }
    }
}

TEST(ExitRecord, IsOneReadableLine) {
    std::string line = encode({ExitReason::Exited, 42});
    EXPECT_TRUE(line.starts_with("OSPREY-EXIT v1 reason=exited status=42 check="));
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(ExitRecord, FoundAmongOtherBytesAndTheLastOneWins) {
    std::string channel = "noise\n" + encode({ExitReason::Exited, 1}) + "garbage" +
                          encode({ExitReason::Exited, 7});
    EXPECT_EQ(protocol::find_exit_record(channel), (ExitRecord{ExitReason::Exited, 7}));
}

TEST(ExitRecord, TruncatedRecordIsNotARecord) {
    std::string line = encode({ExitReason::Exited, 0});
    for (size_t cut = 0; cut < line.size(); cut++)
        EXPECT_FALSE(protocol::find_exit_record(line.substr(0, cut))) << cut;
}

TEST(ExitRecord, CorruptedRecordIsRejectedByItsChecksum) {
    std::string line = encode({ExitReason::Exited, 0});
    line[line.find("status=") + 7] = '3';
    EXPECT_FALSE(protocol::find_exit_record(line));
}

TEST(ExitRecord, HostStatusFollowsShellConventions) {
    EXPECT_EQ(protocol::host_exit_status({ExitReason::Exited, 42}), 42);
    EXPECT_EQ(protocol::host_exit_status({ExitReason::Signaled, 11}), 139);
    EXPECT_EQ(protocol::host_exit_status({ExitReason::Panic, 0}), protocol::kOspreyFailureStatus);
}

}  // namespace
