// The fuzz targets' RandomSource: xorshift64 from a fixed seed, so that a crashing input
// replays exactly (the stack's ISNs, ports and DHCP transaction ids come from it).
#pragma once

#include "net/layers.h"

class FuzzRandom final : public net::RandomSource {
public:
    u64 next_u64() override {
        m_state ^= m_state << 13;
        m_state ^= m_state >> 7;
        m_state ^= m_state << 17;
        return m_state;
    }

private:
    u64 m_state = 88172645463325252ull;
};
