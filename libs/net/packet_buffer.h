// A packet's bytes on the heap, owned by whoever holds the buffer (move-only): a datagram
// out of reassembly, on its way to the protocol that takes it.
#pragma once

#include <new>
#include <utility>

#include "base/types.h"

namespace net {

class PacketBuffer {
public:
    PacketBuffer() = default;
    // An empty buffer (data() == nullptr) when memory is short.
    static PacketBuffer allocate(usize length) {
        PacketBuffer b;
        b.m_data = new (std::nothrow) u8[length ? length : 1];
        if (b.m_data) b.m_length = length;
        return b;
    }
    ~PacketBuffer() { delete[] m_data; }
    PacketBuffer(PacketBuffer&& other)
        : m_data(std::exchange(other.m_data, nullptr)), m_length(std::exchange(other.m_length, 0)) {}
    PacketBuffer& operator=(PacketBuffer&& other) {
        if (this != &other) {
            delete[] m_data;
            m_data = std::exchange(other.m_data, nullptr);
            m_length = std::exchange(other.m_length, 0);
        }
        return *this;
    }
    PacketBuffer(const PacketBuffer&) = delete;
    PacketBuffer& operator=(const PacketBuffer&) = delete;

    u8* data() { return m_data; }
    const u8* data() const { return m_data; }
    usize length() const { return m_length; }
    explicit operator bool() const { return m_data != nullptr; }

private:
    u8* m_data = nullptr;
    usize m_length = 0;
};

}  // namespace net
