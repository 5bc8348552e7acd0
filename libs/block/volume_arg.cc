#include "block/volume_arg.h"

namespace block {

Result<VolumeArg> parse_volume_arg(std::string_view text) {
    usize colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 20) return Error(EINVAL);
    std::string_view serial = text.substr(0, colon);
    for (char c : serial)
        if (c < 0x21 || c > 0x7e) return Error(EINVAL);
    std::string_view path = text.substr(colon + 1);
    if (path.empty() || path[0] != '/') return Error(EINVAL);
    return VolumeArg{serial, path};
}

}  // namespace block
