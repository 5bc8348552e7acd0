// The TCP header and its options (RFC 9293 §3.1, RFC 7323, RFC 2018): parsing what
// arrives, hostile input included, and writing what we send.
//
// Parsing never trusts a length: a data offset below 5 or past the end rejects the
// segment; an option whose length is under 2 or runs past the header ends option
// parsing (Linux does the same), so no input can make it loop or read out of bounds.
#pragma once

#include "base/types.h"

namespace net::tcp {

namespace flags {
constexpr u8 kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20, kEce = 0x40, kCwr = 0x80;
}

constexpr usize kHeaderLength = 20;
constexpr usize kMaxOptionsLength = 40;
constexpr usize kMaxHeaderLength = kHeaderLength + kMaxOptionsLength;
constexpr unsigned kMaxSackBlocks = 4;
constexpr u8 kMaxWindowScale = 14;  // RFC 7323 §2.3
// Bytes the timestamps option takes in every segment once negotiated (NOP NOP TS).
constexpr usize kTimestampsLength = 12;

// Option kinds (IANA).
namespace option {
constexpr u8 kEnd = 0, kNop = 1, kMss = 2, kWindowScale = 3, kSackPermitted = 4, kSack = 5, kTimestamps = 8;
}

struct SackBlock {
    u32 start = 0;  // first sequence number of the block
    u32 end = 0;    // one past its last
};

struct SegmentOptions {
    bool has_mss = false;  // SYN only
    u16 mss = 0;
    bool has_window_scale = false;  // SYN only; clamped to 14
    u8 window_scale = 0;
    bool sack_permitted = false;  // SYN only
    bool has_timestamps = false;
    u32 ts_value = 0;
    u32 ts_echo = 0;
    u8 sack_count = 0;
    SackBlock sack[kMaxSackBlocks];
};

// A parsed segment. `data` points into the caller's buffer.
struct Segment {
    u16 source_port = 0;
    u16 destination_port = 0;
    u32 seq = 0;
    u32 ack = 0;
    u8 flags = 0;
    u16 window = 0;  // as sent (not yet scaled)
    u16 urgent = 0;
    usize header_length = 0;
    const u8* data = nullptr;
    usize data_length = 0;
    SegmentOptions options;

    bool has(u8 flag) const { return (flags & flag) != 0; }
    // Sequence space the segment occupies: its data, plus one each for SYN and FIN.
    u32 sequence_length() const {
        return static_cast<u32>(data_length) + (has(flags::kSyn) ? 1 : 0) + (has(flags::kFin) ? 1 : 0);
    }
    u32 end() const { return seq + sequence_length(); }
};

// Parses a segment of `length` bytes (header, options, data). false when it cannot be a
// TCP segment: shorter than a header, or a data offset under 5 or past the end.
bool parse_segment(const u8* bytes, usize length, Segment& out);
// Parses the option bytes of a header. SYN-only options are taken only when `syn`.
void parse_options(const u8* bytes, usize length, bool syn, SegmentOptions& out);

// What to write in a header we send.
struct HeaderFields {
    u16 source_port = 0;
    u16 destination_port = 0;
    u32 seq = 0;
    u32 ack = 0;
    u8 flags = 0;
    u16 window = 0;
};

struct OutgoingOptions {
    u16 mss = 0;                  // SYN: 0 = none
    i8 window_scale = -1;         // SYN: -1 = none
    bool sack_permitted = false;  // SYN
    bool timestamps = false;
    u32 ts_value = 0;
    u32 ts_echo = 0;
    u8 sack_count = 0;  // SACK blocks to send; as many as fit are written
    const SackBlock* sack = nullptr;
};

// How many SACK blocks fit beside the other options (3 with timestamps, 4 without).
unsigned sack_blocks_that_fit(bool timestamps);
// The length of the options `write_header` writes (a multiple of 4).
usize options_length(const OutgoingOptions& options);
// Writes the header and options into `out` (room for kMaxHeaderLength bytes) with a zero
// checksum; returns the header length.
usize write_header(u8* out, const HeaderFields& fields, const OutgoingOptions& options);

}  // namespace net::tcp
