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
    for (auto reason : {ExitReason::Exited, ExitReason::Signaled, ExitReason::Panic, ExitReason::Hang}) {
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
    EXPECT_EQ(protocol::host_exit_status({ExitReason::Hang, 0}), protocol::kOspreyFailureStatus);
    EXPECT_EQ(protocol::host_exit_status({ExitReason::Signaled, 127}), 255);
}

// Found by the protocol fuzz target: a record with reason=signaled and a status above 127
// made osprey run exit with 128+status, which exit() cuts to 8 bits (221 gave 93).
TEST(ExitRecord, SignalNumberNoExitStatusCanCarryIsAFailure) {
    auto record = protocol::find_exit_record("OSPREY-EXIT v1 reason=signaled status=221 check=9771fb1b\n");
    ASSERT_EQ(record, (ExitRecord{ExitReason::Signaled, 221}));
    EXPECT_EQ(protocol::host_exit_status(*record), protocol::kOspreyFailureStatus);
    EXPECT_EQ(protocol::host_exit_status({ExitReason::Signaled, 128}), protocol::kOspreyFailureStatus);
    EXPECT_EQ(protocol::host_exit_status({ExitReason::Signaled, 0}), protocol::kOspreyFailureStatus);
    for (int status = 0; status <= 255; status++)
        for (auto reason : {ExitReason::Exited, ExitReason::Signaled, ExitReason::Panic, ExitReason::Hang}) {
            int host = protocol::host_exit_status({reason, static_cast<u8>(status)});
            EXPECT_TRUE(host >= 0 && host <= 255) << status;
        }
}

}  // namespace
