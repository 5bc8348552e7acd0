#include "net/device.h"

namespace net {

namespace {
constexpr usize kMaxDevices = 4;
NetDevice* g_devices[kMaxDevices];  // written during boot, before any reader
usize g_count = 0;
}  // namespace

void register_device(NetDevice& device) {
    if (g_count < kMaxDevices) g_devices[g_count++] = &device;
}

usize device_count() { return g_count; }

NetDevice* device(usize index) { return index < g_count ? g_devices[index] : nullptr; }

}  // namespace net
