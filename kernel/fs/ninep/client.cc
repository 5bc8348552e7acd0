#include "fs/ninep/client.h"

#include "arch/x86_64/cpu.h"
#include "lib/log.h"

namespace fs::ninep {

namespace {
// What we ask for: room for 128 KiB of file data per message, as Linux's client asks.
constexpr u32 kWantedMsize = 128 * KiB + ::ninep::kWriteOverhead;
constexpr u32 kMinMsize = 4096;
}  // namespace

u16 Client::next_tag() {
    // NOTAG (0xffff) is Tversion's alone.
    for (;;) {
        u16 tag = static_cast<u16>(m_next_tag.fetch_add(1, kstd::relaxed));
        if (tag != ::ninep::kNoTag) return tag;
    }
}

Result<Reply> Client::round_trip(::ninep::Writer& writer, ::ninep::Type expected, u16 tag, usize reply_room) {
    auto request = TRY(writer.finish());
    u8* buffer = new (std::nothrow) u8[reply_room];
    if (!buffer) return Error(ENOMEM);
    auto length = m_device.transact(request, {buffer, reply_room});
    if (length.is_error()) {
        delete[] buffer;
        return Error(length.error());
    }
    auto reader = ::ninep::Reader::open({buffer, length.value()}, expected, tag);
    if (reader.is_error()) {
        delete[] buffer;
        return Error(reader.error());
    }
    return Reply(buffer, reader.value());
}

Result<::ninep::Qid> Client::start() {
    // Tversion goes with NOTAG and an msize of our choosing; the server may lower it.
    m_msize = kWantedMsize;
    u8* request = new (std::nothrow) u8[kSmallMessage];
    if (!request) return Error(ENOMEM);
    ::ninep::Writer writer({request, kSmallMessage}, ::ninep::Type::Tversion, ::ninep::kNoTag);
    writer.put32(kWantedMsize).put_string(::ninep::kVersion);
    auto version = round_trip(writer, ::ninep::Type::Rversion, ::ninep::kNoTag, kSmallMessage);
    delete[] request;
    if (version.is_error()) return Error(version.error());
    auto& r = version.value().reader();
    u32 msize = r.get32();
    std::string_view name = r.get_string();
    if (!r.ok()) return Error(EIO);
    if (name != ::ninep::kVersion) {
        klog::warn("9p: the server speaks '{}', not 9P2000.L", name);
        return Error(EPROTONOSUPPORT);
    }
    if (msize < kMinMsize) return Error(EIO);
    m_msize = msize < kWantedMsize ? msize : kWantedMsize;

    auto attach = TRY(call(::ninep::Type::Tattach, ::ninep::Type::Rattach, [](::ninep::Writer& w) {
        w.put32(kRootFid).put32(::ninep::kNoFid).put_string("root").put_string("").put32(0);
    }));
    ::ninep::Qid root = attach.reader().get_qid();
    if (!attach.reader().ok()) return Error(EIO);
    return root;
}

void Client::clunk(u32 fid) {
    if (!cpu::interrupts_enabled()) {
        IrqSpinLockGuard guard(m_deferred_lock);
        if (m_deferred_count < kDeferredFids)
            m_deferred[m_deferred_count++] = fid;
        else
            klog::warn("9p: fid {} left open on the server (too many waiting to be clunked)", fid);
        return;
    }
    (void)call(::ninep::Type::Tclunk, ::ninep::Type::Rclunk, [&](::ninep::Writer& w) { w.put32(fid); });
}

void Client::clunk_deferred() {
    for (;;) {
        u32 fid;
        {
            IrqSpinLockGuard guard(m_deferred_lock);
            if (!m_deferred_count) return;
            fid = m_deferred[--m_deferred_count];
        }
        clunk(fid);
    }
}

}  // namespace fs::ninep
