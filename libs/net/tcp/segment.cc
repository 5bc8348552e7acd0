#include "net/tcp/segment.h"

#include "net/address.h"

namespace net::tcp {

bool parse_segment(const u8* bytes, usize length, Segment& out) {
    if (length < kHeaderLength) return false;
    usize header_length = static_cast<usize>(bytes[12] >> 4) * 4;
    if (header_length < kHeaderLength || header_length > length) return false;
    out = Segment{};
    out.source_port = load_be16(bytes);
    out.destination_port = load_be16(bytes + 2);
    out.seq = load_be32(bytes + 4);
    out.ack = load_be32(bytes + 8);
    out.flags = bytes[13];
    out.window = load_be16(bytes + 14);
    out.urgent = load_be16(bytes + 18);
    out.header_length = header_length;
    out.data = bytes + header_length;
    out.data_length = length - header_length;
    parse_options(bytes + kHeaderLength, header_length - kHeaderLength, out.has(flags::kSyn), out.options);
    return true;
}

void parse_options(const u8* p, usize length, bool syn, SegmentOptions& out) {
    usize i = 0;
    while (i < length) {
        u8 kind = p[i];
        if (kind == option::kEnd) return;
        if (kind == option::kNop) {
            i++;
            continue;
        }
        if (i + 1 >= length) return;  // a kind without its length byte
        usize size = p[i + 1];
        if (size < 2 || size > length - i) return;  // silly or truncated: stop here
        const u8* body = p + i + 2;
        switch (kind) {
            case option::kMss:
                if (size == 4 && syn) {
                    u16 mss = load_be16(body);
                    if (mss != 0) {  // zero is no MSS at all, as Linux takes it
                        out.has_mss = true;
                        out.mss = mss;
                    }
                }
                break;
            case option::kWindowScale:
                if (size == 3 && syn) {
                    out.has_window_scale = true;
                    out.window_scale = body[0] > kMaxWindowScale ? kMaxWindowScale : body[0];
                }
                break;
            case option::kSackPermitted:
                if (size == 2 && syn) out.sack_permitted = true;
                break;
            case option::kTimestamps:
                if (size == 10) {
                    out.has_timestamps = true;
                    out.ts_value = load_be32(body);
                    out.ts_echo = load_be32(body + 4);
                }
                break;
            case option::kSack:
                if (size >= 10 && (size - 2) % 8 == 0) {
                    unsigned blocks = static_cast<unsigned>((size - 2) / 8);
                    out.sack_count = 0;
                    for (unsigned b = 0; b < blocks && b < kMaxSackBlocks; b++) {
                        out.sack[b].start = load_be32(body + 8 * b);
                        out.sack[b].end = load_be32(body + 8 * b + 4);
                        out.sack_count++;
                    }
                }
                break;
            default:
                break;  // unknown options are skipped by their length
        }
        i += size;
    }
}

unsigned sack_blocks_that_fit(bool timestamps) { return timestamps ? 3 : 4; }

static unsigned sack_blocks_written(const OutgoingOptions& o) {
    unsigned fit = sack_blocks_that_fit(o.timestamps);
    return o.sack_count < fit ? o.sack_count : fit;
}

usize options_length(const OutgoingOptions& o) {
    usize n = 0;
    if (o.mss) n += 4;
    if (o.timestamps)
        n += 12;  // (SACKOK or NOP NOP) + TS
    else if (o.sack_permitted)
        n += 4;                       // NOP NOP SACKOK
    if (o.window_scale >= 0) n += 4;  // NOP WS
    unsigned blocks = sack_blocks_written(o);
    if (blocks) n += 4 + 8 * blocks;  // NOP NOP SACK
    return n;
}

usize write_header(u8* out, const HeaderFields& f, const OutgoingOptions& o) {
    u8* p = out + kHeaderLength;
    // The layout Linux uses, so captures read the same: MSS, SACKOK folded into the
    // padding in front of the timestamps, the window scale after a NOP.
    if (o.mss) {
        p[0] = option::kMss;
        p[1] = 4;
        store_be16(p + 2, o.mss);
        p += 4;
    }
    if (o.timestamps) {
        if (o.sack_permitted) {
            p[0] = option::kSackPermitted;
            p[1] = 2;
        } else {
            p[0] = p[1] = option::kNop;
        }
        p[2] = option::kTimestamps;
        p[3] = 10;
        store_be32(p + 4, o.ts_value);
        store_be32(p + 8, o.ts_echo);
        p += 12;
    } else if (o.sack_permitted) {
        p[0] = p[1] = option::kNop;
        p[2] = option::kSackPermitted;
        p[3] = 2;
        p += 4;
    }
    if (o.window_scale >= 0) {
        p[0] = option::kNop;
        p[1] = option::kWindowScale;
        p[2] = 3;
        p[3] = static_cast<u8>(o.window_scale);
        p += 4;
    }
    unsigned blocks = sack_blocks_written(o);
    if (blocks) {
        p[0] = p[1] = option::kNop;
        p[2] = option::kSack;
        p[3] = static_cast<u8>(2 + 8 * blocks);
        p += 4;
        for (unsigned b = 0; b < blocks; b++) {
            store_be32(p, o.sack[b].start);
            store_be32(p + 4, o.sack[b].end);
            p += 8;
        }
    }
    usize length = static_cast<usize>(p - out);
    store_be16(out, f.source_port);
    store_be16(out + 2, f.destination_port);
    store_be32(out + 4, f.seq);
    store_be32(out + 8, f.ack);
    out[12] = static_cast<u8>((length / 4) << 4);
    out[13] = f.flags;
    store_be16(out + 14, f.window);
    store_be16(out + 16, 0);
    store_be16(out + 18, 0);
    return length;
}

}  // namespace net::tcp
