// How a virtio driver reaches its device, whichever bus carries it: virtio-pci (modern,
// capabilities in config space, MSI-X or INTx) or virtio-mmio (version 2, one interrupt
// line). A driver sees only this interface, so a new device type (virtio-blk, rng...) adds
// one file and a VIRTIO_DRIVER registration (device.h), nothing here.
//
// Initialisation order (virtio 1.2, 3.1.1), as virtio::begin_init / finish_init do it:
// reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, then setup_interrupts, each queue's
// enable_queue, and DRIVER_OK.
#pragma once

#include "base/result.h"
#include "base/types.h"

namespace virtio {

// Device status bits (2.1).
namespace status {
constexpr u8 kAcknowledge = 1;
constexpr u8 kDriver = 2;
constexpr u8 kDriverOk = 4;
constexpr u8 kFeaturesOk = 8;
constexpr u8 kNeedsReset = 64;
constexpr u8 kFailed = 128;
}  // namespace status

// Device-independent feature bits (6).
namespace feature {
constexpr u64 kIndirectDescriptors = 1ull << 28;
constexpr u64 kEventIdx = 1ull << 29;
constexpr u64 kVersion1 = 1ull << 32;
constexpr u64 kAccessPlatform = 1ull << 33;
constexpr u64 kRingPacked = 1ull << 34;
}  // namespace feature

// Device types (5).
constexpr u32 kDeviceNet = 1;
constexpr u32 kDeviceBlock = 2;
constexpr u32 kDeviceConsole = 3;
constexpr u32 kDeviceEntropy = 4;

// What the transport calls when the device interrupts: `queue` for a used-buffer
// notification of that queue, `config` for a configuration change. Both run in the
// interrupt handler (interrupts off). Where the device cannot say which queue it meant
// (one shared vector, INTx, virtio-mmio), every queue's handler is called.
struct InterruptHandlers {
    void (*queue)(void* context, u16 queue) = nullptr;
    void (*config)(void* context) = nullptr;
    void* context = nullptr;
};

class Transport {
public:
    virtual ~Transport() = default;

    virtual u32 device_type() const = 0;
    // "pci 00:03.0", "mmio 0xfeb00e00": for the log.
    virtual const char* location() const = 0;

    virtual u8 status() = 0;
    virtual void set_status(u8 status) = 0;
    // Writes 0 to the status and waits until the device reads back 0.
    virtual void reset() = 0;

    virtual u64 device_features() = 0;
    virtual void set_driver_features(u64 features) = 0;

    // `size` (1, 2 or 4) bytes of the device-specific configuration at `offset`. Callers
    // read multi-field values inside read_config_stable() (device.h).
    virtual u32 config_read(u32 offset, unsigned size) = 0;
    virtual u32 config_generation() = 0;

    // The largest size the device takes for queue `index`; 0 when there is no such queue.
    virtual u16 queue_max_size(u16 index) = 0;
    // Tells the device where queue `index`'s three areas are (device addresses) and turns
    // it on. EIO when the device refuses.
    virtual Result<void> enable_queue(u16 index, u16 size, u64 descriptors, u64 driver_area, u64 device_area) = 0;
    virtual void notify(u16 index) = 0;

    // Connects the device's interrupts for `queue_count` queues to `handlers`. Call after
    // FEATURES_OK and before enable_queue (virtio-pci binds an MSI-X vector per queue
    // there). The handlers are live from here on.
    virtual Result<void> setup_interrupts(u16 queue_count, const InterruptHandlers& handlers) = 0;
    // "msi-x per queue", "msi-x shared", "intx", "line": for the log and tests.
    virtual const char* interrupt_mode() const = 0;
};

}  // namespace virtio
