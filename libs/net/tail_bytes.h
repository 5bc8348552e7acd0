// One heap block holding a small record followed by packet bytes: the queues of copied
// packets (waiting for ARP, on loopback, fragments in reassembly, UDP datagrams) hold
// these, so each packet costs one allocation and one free.
#pragma once

#include <new>
#include <type_traits>

#include "base/types.h"

namespace net {

// A value-initialized T followed by `bytes` bytes, or nullptr when memory is short.
template <typename T>
T* new_with_bytes(usize bytes) {
    static_assert(std::is_trivially_destructible_v<T>);
    static_assert(alignof(T) <= 16);
    u8* raw = new (std::nothrow) u8[sizeof(T) + bytes];
    if (!raw) return nullptr;
    return new (raw) T{};
}

template <typename T>
u8* bytes_after(T* record) {
    return reinterpret_cast<u8*>(record + 1);
}
template <typename T>
const u8* bytes_after(const T* record) {
    return reinterpret_cast<const u8*>(record + 1);
}

template <typename T>
void delete_with_bytes(T* record) {
    delete[] reinterpret_cast<u8*>(record);
}

}  // namespace net
