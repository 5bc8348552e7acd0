// The transport protocols the IP layer delivers to, by IP protocol number.
#pragma once

#include "base/result.h"
#include "net/layers.h"

namespace net::ipv4 {

class ProtocolTable {
public:
    IpProtocolHandler* get(u8 protocol) const { return m_handlers[protocol]; }
    // EEXIST when the number is taken.
    Result<void> set(u8 protocol, IpProtocolHandler& handler) {
        if (m_handlers[protocol]) return Error(EEXIST);
        m_handlers[protocol] = &handler;
        return {};
    }
    void clear(u8 protocol) { m_handlers[protocol] = nullptr; }

private:
    IpProtocolHandler* m_handlers[256] = {};
};

}  // namespace net::ipv4
