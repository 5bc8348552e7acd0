#include "drivers/block/block_device.h"

#include "arch/x86_64/layout.h"
#include "sync/spinlock.h"

namespace block {

namespace {

constexpr usize kMaxDevices = 64;
// Guarded by g_lock; entries are never removed, so a pointer read under it stays valid.
IrqSpinLock g_lock;
BlockDevice* g_devices[kMaxDevices];
usize g_count = 0;
usize g_virtio_names = 0;

}  // namespace

bool device_visible(const void* data, usize size) {
    u64 start = reinterpret_cast<u64>(data);
    return size && start + size > start && layout::is_direct_mapped(start) && layout::is_direct_mapped(start + size - 1);
}

Result<void> BlockDevice::write_all(std::span<const Write> writes) {
    for (const Write& w : writes) TRY(write(w.offset, w.data));
    return {};
}

void register_device(BlockDevice& device) {
    IrqSpinLockGuard guard(g_lock);
    if (g_count < kMaxDevices) g_devices[g_count++] = &device;
}

usize device_count() {
    IrqSpinLockGuard guard(g_lock);
    return g_count;
}

BlockDevice* device(usize index) {
    IrqSpinLockGuard guard(g_lock);
    return index < g_count ? g_devices[index] : nullptr;
}

BlockDevice* find(std::string_view name) {
    IrqSpinLockGuard guard(g_lock);
    for (usize i = 0; i < g_count; i++)
        if (name == g_devices[i]->name()) return g_devices[i];
    return nullptr;
}

void next_virtio_name(char (&name)[8]) {
    usize n;
    {
        IrqSpinLockGuard guard(g_lock);
        n = g_virtio_names++;
    }
    // As Linux names them: a..z, then aa..zz.
    usize i = 0;
    name[i++] = 'v';
    name[i++] = 'd';
    if (n >= 26) name[i++] = char('a' + (n / 26 - 1) % 26);
    name[i++] = char('a' + n % 26);
    name[i] = 0;
}

}  // namespace block
