#include "drivers/virtio/ninep.h"

#include <utility>

#include "drivers/virtio/device.h"
#include "lib/log.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

namespace virtio {

namespace {

constexpr u64 kMountTagFeature = 1ull << 0;  // VIRTIO_9P_MOUNT_TAG: the tag is in the config
constexpr u32 kConfigTagLength = 0, kConfigTag = 2;
constexpr usize kMaxTag = 64;
constexpr u16 kNinepQueueSize = 64;
constexpr usize kMaxDevices = 8;

class Virtio9p final : public NinepDevice {
public:
    explicit Virtio9p(OwnPtr<Transport> transport) : m_transport(std::move(transport)) {}

    Result<void> start();
    std::string_view tag() const override { return {m_tag, m_tag_length}; }
    Result<usize> transact(std::span<const u8> request, std::span<u8> reply) override;
    bool interrupts_connected() const { return m_interrupts_connected; }
    Transport& transport() { return *m_transport; }

private:
    // One request on its way: the waiter's, on its stack (the device never sees it).
    struct Pending {
        bool done = false;  // guarded by m_done's lock
        u32 length = 0;
        bool malformed = false;
    };
    static void on_queue_interrupt(void* context, u16 queue);

    OwnPtr<Transport> m_transport;
    Queue m_queue;
    IrqSpinLock m_lock{"virtio-9p queue"};  // guards m_queue's ring
    WaitQueue m_done{"virtio-9p replies"};  // waiters for replies and for free descriptors
    char m_tag[kMaxTag + 1] = {};
    usize m_tag_length = 0;
    bool m_interrupts_connected = false;
};

Virtio9p* g_devices[kMaxDevices];
usize g_device_count = 0;  // written at probe time, before any program runs

Result<void> Virtio9p::start() {
    Transport& t = *m_transport;
    u64 features = TRY(begin_init(t, kMountTagFeature));
    if (!(features & kMountTagFeature)) {
        klog::warn("virtio-9p on {}: no mount tag; left alone", t.location());
        return Error(ENODEV);
    }
    read_config_stable(t, [&] {
        usize length = t.config_read(kConfigTagLength, 2);
        m_tag_length = length < kMaxTag ? length : kMaxTag;
        for (usize i = 0; i < m_tag_length; i++) m_tag[i] = static_cast<char>(t.config_read(kConfigTag + i, 1));
        m_tag[m_tag_length] = '\0';
        return 0;
    });
    TRY(t.setup_interrupts(1, {on_queue_interrupt, nullptr, this}));
    m_interrupts_connected = true;
    TRY(m_queue.init(t, 0, kNinepQueueSize, false));
    finish_init(t);
    klog::info("9p: virtio-9p on {}, mount tag '{}', interrupts {}", t.location(), tag(), t.interrupt_mode());
    return {};
}

Result<usize> Virtio9p::transact(std::span<const u8> request, std::span<u8> reply) {
    Pending pending;
    BufferPart parts[] = {
        {request.data(), static_cast<u32>(request.size()), BufferPart::kDeviceReadable},
        {reply.data(), static_cast<u32>(reply.size()), BufferPart::kDeviceWritable},
    };
    for (;;) {
        Result<void> added = Error(ENOSPC);
        {
            IrqSpinLockGuard guard(m_lock);
            if (m_queue.ring().broken()) return Error(EIO);
            added = m_queue.ring().add(parts, &pending);
            if (added.is_ok()) m_queue.kick();
        }
        if (added.is_ok()) break;
        if (added.error() != ENOSPC) return Error(added.error());
        // Every descriptor is in use by other requests: wait for one of them to finish.
        (void)m_done.wait_until([&] {
            IrqSpinLockGuard guard(m_lock);
            return m_queue.ring().free_descriptors() >= 2 || m_queue.ring().broken();
        });
    }
    (void)m_done.wait_until([&] { return pending.done; });
    if (pending.malformed) return Error(EIO);
    return static_cast<usize>(pending.length);
}

void Virtio9p::on_queue_interrupt(void* context, u16) {
    auto* self = static_cast<Virtio9p*>(context);
    bool any = false;
    for (;;) {
        std::optional<UsedBuffer> used;
        {
            IrqSpinLockGuard guard(self->m_lock);
            used = self->m_queue.ring().pop_used();
        }
        if (!used) break;
        auto* pending = static_cast<Pending*>(used->token);
        self->m_done.locked([&] {
            pending->length = used->length;
            pending->malformed = used->malformed;
            pending->done = true;
        });
        any = true;
    }
    if (any) self->m_done.wake_all();
}

Result<void> probe_9p(OwnPtr<Transport> transport) {
    if (g_device_count == kMaxDevices) return Error(ENOSPC);
    auto* device = new (std::nothrow) Virtio9p(std::move(transport));
    if (!device) return Error(ENOMEM);
    if (auto r = device->start(); r.is_error()) {
        device->transport().reset();
        // Once its interrupt is connected the device object must outlive it (device.h).
        if (!device->interrupts_connected()) delete device;
        return r;
    }
    g_devices[g_device_count++] = device;
    return {};
}

}  // namespace

NinepDevice* find_ninep_device(std::string_view tag) {
    for (usize i = 0; i < g_device_count; i++)
        if (g_devices[i]->tag() == tag) return g_devices[i];
    return nullptr;
}

VIRTIO_DRIVER(ninep, kDevice9p, "virtio-9p", probe_9p)

}  // namespace virtio
