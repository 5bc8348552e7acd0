// A fixed-size array on the heap (new (std::nothrow)), owned and move-only: the journal's
// block buffers, its map of the journal inode and the revoke table of a replay. ENOMEM
// instead of an exception, so the kernel and the host share it.
#pragma once

#include <new>
#include <span>
#include <utility>

#include "base/result.h"
#include "base/types.h"

namespace ext4 {

template <typename T>
class HeapArray {
public:
    HeapArray() = default;
    static Result<HeapArray> create(usize count) {
        HeapArray array;
        if (count == 0) return array;
        array.m_data = new (std::nothrow) T[count]();
        if (!array.m_data) return Error(ENOMEM);
        array.m_count = count;
        return array;
    }
    HeapArray(HeapArray&& other) : m_data(std::exchange(other.m_data, nullptr)), m_count(std::exchange(other.m_count, 0)) {}
    HeapArray& operator=(HeapArray&& other) {
        if (this != &other) {
            delete[] m_data;
            m_data = std::exchange(other.m_data, nullptr);
            m_count = std::exchange(other.m_count, 0);
        }
        return *this;
    }
    HeapArray(const HeapArray&) = delete;
    HeapArray& operator=(const HeapArray&) = delete;
    ~HeapArray() { delete[] m_data; }

    usize size() const { return m_count; }
    T& operator[](usize i) { return m_data[i]; }
    const T& operator[](usize i) const { return m_data[i]; }
    std::span<T> span() { return {m_data, m_count}; }
    std::span<const T> span() const { return {m_data, m_count}; }

private:
    T* m_data = nullptr;
    usize m_count = 0;
};

}  // namespace ext4
