#include "net/udp/header.h"

#include "net/checksum.h"

namespace net::udp {

bool checksum_ok(Ipv4Address source, Ipv4Address destination, const u8* datagram, usize length) {
    if (load_be16(datagram + kChecksumOffset) == 0) return true;
    Checksum sum;
    sum.add_pseudo_header(source, destination, kProtoUdp, static_cast<u16>(length));
    sum.add(datagram, length);
    return sum.verifies();
}

u16 compute_checksum(Ipv4Address source, Ipv4Address destination, const u8* datagram, usize length) {
    Checksum sum;
    sum.add_pseudo_header(source, destination, kProtoUdp, static_cast<u16>(length));
    sum.add(datagram, length);
    u16 value = sum.finish();
    return value == 0 ? 0xffff : value;
}

}  // namespace net::udp
