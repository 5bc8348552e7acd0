// A packet on its way out, as a list of byte runs: each layer puts its header in front
// (from a buffer on its own stack frame) and hands the longer list down. Nothing is
// allocated or copied on the way; the last layer (a NIC driver, the loopback queue)
// copies the runs into its own buffer before returning, so every run only has to stay
// valid for the duration of the call that carries it.
#pragma once

#include "base/types.h"

namespace net {

class Gather {
public:
    static constexpr unsigned kMaxPieces = 8;

    Gather() = default;
    Gather(const void* data, usize length) { append(data, length); }

    // false (and unchanged) when full.
    bool append(const void* data, usize length) {
        if (length == 0) return true;
        if (m_count == kMaxPieces) return false;
        m_pieces[m_count++] = {static_cast<const u8*>(data), length};
        m_length += length;
        return true;
    }
    bool prepend(const void* data, usize length) {
        if (length == 0) return true;
        if (m_count == kMaxPieces) return false;
        for (unsigned i = m_count; i > 0; i--) m_pieces[i] = m_pieces[i - 1];
        m_pieces[0] = {static_cast<const u8*>(data), length};
        m_count++;
        m_length += length;
        return true;
    }

    usize length() const { return m_length; }
    unsigned count() const { return m_count; }
    const u8* data(unsigned i) const { return m_pieces[i].data; }
    usize length(unsigned i) const { return m_pieces[i].length; }

    // Copies bytes [offset, offset+n) of the whole into dst; returns how many were copied.
    usize copy_out(usize offset, u8* dst, usize n) const {
        usize done = 0;
        for (unsigned i = 0; i < m_count && done < n; i++) {
            usize len = m_pieces[i].length;
            if (offset >= len) {
                offset -= len;
                continue;
            }
            usize take = len - offset < n - done ? len - offset : n - done;
            for (usize k = 0; k < take; k++) dst[done + k] = m_pieces[i].data[offset + k];
            done += take;
            offset = 0;
        }
        return done;
    }
    // The bytes [offset, offset+n) as a new list pointing into the same runs.
    Gather slice(usize offset, usize n) const {
        Gather out;
        for (unsigned i = 0; i < m_count && out.m_length < n; i++) {
            usize len = m_pieces[i].length;
            if (offset >= len) {
                offset -= len;
                continue;
            }
            usize take = len - offset < n - out.m_length ? len - offset : n - out.m_length;
            out.append(m_pieces[i].data + offset, take);
            offset = 0;
        }
        return out;
    }

private:
    struct Piece {
        const u8* data;
        usize length;
    };
    Piece m_pieces[kMaxPieces] = {};
    unsigned m_count = 0;
    usize m_length = 0;
};

}  // namespace net
