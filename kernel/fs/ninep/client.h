// The 9P2000.L client's session with one server (a virtio-9p device): version and attach,
// fid numbers, tags, and one round trip per call. The file system on top (ninep_fs.h)
// turns inode operations into these calls.
//
//   auto reply = TRY(client.call(ninep::Type::Tclunk, ninep::Type::Rclunk, kSmallReply,
//                                [&](ninep::Writer& w) { w.put32(fid); }));
//   // reply.reader() reads the body; the buffers go when `reply` does.
#pragma once

#include "drivers/virtio/ninep.h"
#include "lib/atomic.h"
#include "lib/own_ptr.h"
#include "ninep/protocol.h"
#include "sync/spinlock.h"

namespace fs::ninep {

constexpr usize kSmallMessage = 4096;  // room for any request or reply without file data

// A reply and the buffer it sits in.
class Reply {
public:
    Reply() = default;
    Reply(u8* buffer, ::ninep::Reader reader) : m_buffer(buffer), m_reader(reader) {}
    Reply(Reply&& other) : m_buffer(other.m_buffer), m_reader(other.m_reader) { other.m_buffer = nullptr; }
    Reply& operator=(Reply&&) = delete;
    ~Reply() { delete[] m_buffer; }
    ::ninep::Reader& reader() { return m_reader; }

private:
    u8* m_buffer = nullptr;
    ::ninep::Reader m_reader = ::ninep::Reader::empty();
};

class Client {
public:
    explicit Client(virtio::NinepDevice& device) : m_device(device) {}

    // Tversion, then Tattach of the root as fid kRootFid. EPROTONOSUPPORT when the server
    // does not speak 9P2000.L.
    Result<::ninep::Qid> start();
    static constexpr u32 kRootFid = 0;

    // The largest read or write payload of one message.
    u32 max_io() const { return m_msize - ::ninep::kWriteOverhead; }
    u32 msize() const { return m_msize; }

    u32 new_fid() { return m_next_fid.fetch_add(1, kstd::relaxed); }

    // One round trip: `build` appends the request's body to a Writer; the reply must be of
    // type `expected` (an Rlerror becomes its errno). `request_room` and `reply_room`:
    // the buffers' sizes.
    template <typename Build>
    Result<Reply> call(::ninep::Type type, ::ninep::Type expected, usize request_room, usize reply_room,
                       Build&& build) {
        if (m_deferred_count) clunk_deferred();
        u8* request = new (std::nothrow) u8[request_room];
        if (!request) return Error(ENOMEM);
        u16 tag = next_tag();
        ::ninep::Writer writer({request, request_room}, type, tag);
        build(writer);
        auto sent = round_trip(writer, expected, tag, reply_room);
        delete[] request;
        return sent;
    }
    template <typename Build>
    Result<Reply> call(::ninep::Type type, ::ninep::Type expected, Build&& build) {
        return call(type, expected, kSmallMessage, kSmallMessage, static_cast<Build&&>(build));
    }

    // Tclunk, ignoring the answer (the fid is gone either way). From a place that cannot
    // wait (interrupts off: a spinlock held while an inode's last reference went), the fid
    // is kept and clunked before the next call.
    void clunk(u32 fid);

private:
    void clunk_deferred();
    static constexpr usize kDeferredFids = 64;
    IrqSpinLock m_deferred_lock{"9p deferred clunks"};
    u32 m_deferred[kDeferredFids];  // guarded by m_deferred_lock
    usize m_deferred_count = 0;
    u16 next_tag();
    Result<Reply> round_trip(::ninep::Writer& writer, ::ninep::Type expected, u16 tag, usize reply_room);

    virtio::NinepDevice& m_device;
    u32 m_msize = 0;
    kstd::Atomic<u32> m_next_fid{kRootFid + 1};
    kstd::Atomic<u32> m_next_tag{0};
};

}  // namespace fs::ninep
