// Standard input travels from the host on the control channel's receive side in frames,
// because a UART has no way to say "end of file":
//   [u32 little-endian length][length bytes]   data
//   [u32 0]                                     end of file
// The kernel's decoder is fed bytes as the UART delivers them, in any split.
#pragma once

#include <span>

#include "base/types.h"

namespace protocol {

class StdinFrameDecoder {
public:
    // Consumes input bytes; data bytes are passed to on_data as they are decoded.
    // Returns false (and ignores the rest) once the stream is malformed... which cannot
    // happen with this format except after end of file: bytes after EOF are dropped.
    template <typename OnData>
    void feed(std::span<const u8> bytes, OnData&& on_data) {
        usize i = 0;
        while (i < bytes.size() && !m_eof) {
            if (m_remaining == 0) {
                m_header = m_header | (static_cast<u32>(bytes[i++]) << (8 * m_header_bytes));
                if (++m_header_bytes == 4) {
                    m_remaining = m_header;
                    m_header = 0;
                    m_header_bytes = 0;
                    if (m_remaining == 0) m_eof = true;
                }
                continue;
            }
            usize n = bytes.size() - i < m_remaining ? bytes.size() - i : m_remaining;
            on_data(bytes.subspan(i, n));
            i += n;
            m_remaining -= static_cast<u32>(n);
        }
    }
    bool eof() const { return m_eof; }

private:
    u32 m_header = 0;
    u32 m_header_bytes = 0;
    u32 m_remaining = 0;
    bool m_eof = false;
};

// Writes a frame header for `length` bytes (0 = end of file) into out[0..3].
inline void encode_stdin_header(u32 length, u8 out[4]) {
    for (int i = 0; i < 4; i++) out[i] = static_cast<u8>(length >> (8 * i));
}

}  // namespace protocol
