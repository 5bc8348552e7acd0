// Carries the host's standard input to the guest: reads the host's fd 0 and writes it, in
// frames (libs/protocol/stdin_frames.h), into the pipe QEMU reads as the control
// channel's input. It never blocks the run loop: it reads only after poll() says the
// source is readable and only while nothing is waiting to be written, and it writes to a
// non-blocking pipe, keeping what did not fit until poll() says the pipe has room.
#pragma once

#include <string>

namespace osprey {

class StdinForwarder {
public:
    // Largest data frame; one read() of the source fills at most one frame.
    static constexpr size_t kMaxFrameData = 4096;

    // `source` is the host's stdin (not closed here); `sink` the pipe's write end, which
    // the caller owns and has made non-blocking. A source that is not an open descriptor
    // ends at once: the guest sees end-of-file on its first read.
    StdinForwarder(int source, int sink);

    // The descriptor to poll for POLLIN, or -1 while there is nothing to read for.
    int source_to_poll() const;
    // Whether to poll the sink for POLLOUT.
    bool wants_to_write() const { return !m_pending.empty() && !m_sink_broken; }

    // Call when poll() reported anything on the source (POLLIN, POLLHUP, POLLERR, POLLNVAL).
    void on_source_ready();
    // Call when poll() reported the sink writable (or broken).
    void on_sink_ready() { flush(); }

    // Everything, the end-of-file frame included, has been handed to the pipe (or the
    // reader went away, after which nothing more can be delivered).
    bool finished() const { return m_sink_broken || (m_source_done && m_pending.empty()); }

private:
    void queue_frame(const char* data, size_t size);
    void end_of_input();
    void flush();

    int m_source;
    int m_sink;
    bool m_source_done = false;
    bool m_sink_broken = false;
    std::string m_pending;  // framed bytes not yet accepted by the pipe
};

}  // namespace osprey
