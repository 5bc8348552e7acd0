#include "virtio/mmio_cmdline.h"

#include "cmdline/cmdline.h"

namespace virtio {

Result<MmioDeviceSpec> parse_mmio_device(std::string_view text) {
    usize at = text.find('@');
    if (at == std::string_view::npos) return Error(EINVAL);
    usize colon = text.find(':', at);
    if (colon == std::string_view::npos) return Error(EINVAL);
    std::string_view irq_text = text.substr(colon + 1);
    // The optional platform-device id after a second colon means nothing here.
    if (usize second = irq_text.find(':'); second != std::string_view::npos) {
        if (cmdline::parse_u64(irq_text.substr(second + 1)).is_error()) return Error(EINVAL);
        irq_text = irq_text.substr(0, second);
    }
    auto size = cmdline::parse_size(text.substr(0, at));
    auto base = cmdline::parse_u64(text.substr(at + 1, colon - at - 1));
    auto irq = cmdline::parse_u64(irq_text);
    if (size.is_error() || base.is_error() || irq.is_error()) return Error(EINVAL);
    if (size.value() == 0 || base.value() + size.value() < base.value() || irq.value() > 255) return Error(EINVAL);
    return MmioDeviceSpec{base.value(), size.value(), u32(irq.value())};
}

}  // namespace virtio
