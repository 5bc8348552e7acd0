#include "vm/stdin_forwarder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "protocol/stdin_frames.h"

namespace osprey {

StdinForwarder::StdinForwarder(int source, int sink) : m_source(source), m_sink(sink) {
    if (source < 0 || fcntl(source, F_GETFL) < 0) end_of_input();
}

int StdinForwarder::source_to_poll() const {
    // One frame at a time: while the pipe is full, the host's stdin stays unread, so the
    // writer on the other side of it is held back instead of osprey buffering without end.
    if (m_source_done || m_sink_broken || !m_pending.empty()) return -1;
    return m_source;
}

void StdinForwarder::on_source_ready() {
    if (m_source_done || m_sink_broken || !m_pending.empty()) return;
    char buffer[kMaxFrameData];
    ssize_t n = read(m_source, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
        // End of file, or an error (EBADF, EIO from a terminal that went away): either
        // way the program's input has ended.
        end_of_input();
    } else {
        queue_frame(buffer, static_cast<size_t>(n));
    }
    flush();
}

void StdinForwarder::queue_frame(const char* data, size_t size) {
    u8 header[4];
    protocol::encode_stdin_header(static_cast<u32>(size), header);
    m_pending.append(reinterpret_cast<const char*>(header), sizeof header);
    m_pending.append(data, size);
}

void StdinForwarder::end_of_input() {
    if (m_source_done) return;
    m_source_done = true;
    queue_frame("", 0);  // a frame of length 0 is end-of-file
}

void StdinForwarder::flush() {
    while (!m_pending.empty() && !m_sink_broken) {
        ssize_t n = write(m_sink, m_pending.data(), m_pending.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) {
            m_sink_broken = true;  // EPIPE: QEMU is gone
            m_pending.clear();
            return;
        }
        m_pending.erase(0, static_cast<size_t>(n));
    }
}

}  // namespace osprey
