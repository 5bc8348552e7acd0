// virtio-net's per-packet header (virtio 1.2, 5.1.6) and the device's feature and
// configuration layout: pure encoding, so the checksum-offload rules are tested on the host.
//
//   u8 header[virtio::kNetHeaderSize];
//   virtio::write_net_header(header, partial);   // NEEDS_CSUM when partial is set
#pragma once

#include "base/types.h"
#include "net/layers.h"

namespace virtio {

// With VIRTIO_F_VERSION_1 the header always has num_buffers: 12 bytes.
constexpr usize kNetHeaderSize = 12;

namespace net_feature {
constexpr u64 kCsum = 1ull << 0;        // the device completes partial checksums on transmit
constexpr u64 kGuestCsum = 1ull << 1;   // received packets may come with checksum state
constexpr u64 kMtu = 1ull << 3;         // config.mtu is valid
constexpr u64 kMac = 1ull << 5;         // config.mac is valid
constexpr u64 kMrgRxbuf = 1ull << 15;   // a packet may span several receive buffers
constexpr u64 kStatus = 1ull << 16;     // config.status has the link state
}  // namespace net_feature

// struct virtio_net_config (5.1.4).
namespace net_config {
constexpr u32 kMac = 0;      // 6 bytes
constexpr u32 kStatus = 6;   // u16
constexpr u32 kMtu = 10;     // u16
constexpr u16 kStatusLinkUp = 1;
}  // namespace net_config

constexpr u8 kNetHeaderNeedsCsum = 1;
constexpr u8 kNetHeaderDataValid = 2;

// Fills a transmit header: no segmentation offload, and a partial checksum for the device
// to finish when `partial` is set.
void write_net_header(u8* header, const ::net::PartialChecksum* partial);

// Whether a partial checksum can be left to the device for a frame of `frame_length`
// bytes: the 16-bit field lies inside the frame, after the start of the summed range.
bool partial_checksum_fits(const ::net::PartialChecksum& partial, usize frame_length);

struct ReceivedNetHeader {
    u16 num_buffers;         // how many receive buffers the packet spans (1 without MRG_RXBUF)
    bool checksum_verified;  // DATA_VALID or NEEDS_CSUM (only meaningful with GUEST_CSUM)
};

ReceivedNetHeader read_net_header(const u8* header, bool merged_buffers, bool guest_csum);

}  // namespace virtio
