#include "virtio/net_header.h"

namespace virtio {

namespace {
// Field offsets in struct virtio_net_hdr; little-endian like everything virtio 1.x.
constexpr usize kFlags = 0, kGsoType = 1, kHeaderLength = 2, kGsoSize = 4, kCsumStart = 6, kCsumOffset = 8,
                kNumBuffers = 10;

void store_le16(u8* p, u16 v) {
    p[0] = u8(v);
    p[1] = u8(v >> 8);
}
u16 load_le16(const u8* p) { return u16(p[0] | p[1] << 8); }
}  // namespace

void write_net_header(u8* header, const ::net::PartialChecksum* partial) {
    header[kFlags] = partial ? kNetHeaderNeedsCsum : 0;
    header[kGsoType] = 0;  // VIRTIO_NET_HDR_GSO_NONE
    store_le16(header + kHeaderLength, 0);
    store_le16(header + kGsoSize, 0);
    store_le16(header + kCsumStart, partial ? partial->start : 0);
    store_le16(header + kCsumOffset, partial ? partial->offset : 0);
    store_le16(header + kNumBuffers, 0);  // the driver leaves it 0 on transmit
}

bool partial_checksum_fits(const ::net::PartialChecksum& partial, usize frame_length) {
    return usize(partial.start) + partial.offset + 2 <= frame_length;
}

ReceivedNetHeader read_net_header(const u8* header, bool merged_buffers, bool guest_csum) {
    u8 flags = header[kFlags];
    u16 buffers = merged_buffers ? load_le16(header + kNumBuffers) : 1;
    return {buffers, guest_csum && (flags & (kNetHeaderNeedsCsum | kNetHeaderDataValid)) != 0};
}

}  // namespace virtio
