// `osprey run BINARY` through the image cache (image/image_cache.h): the image a request
// builds, taken from the cache when it is there and current, else composed and stored.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "image/image_builder.h"

namespace osprey {

// compose_image() for `osprey run`, through the cache where it can. `cached_path` is set
// to the cached image file, which QEMU then loads as it is (the spec returned has this
// run's arguments; the file, those of the run that built it). It stays empty when the cache
// cannot serve the request (no cache directory, OSPREY_IMAGE_CACHE_MIB=0, --discover, a
// store that failed or was stopped): the caller then finishes and writes the image the
// usual way. `stopped` is asked while an image is written into the cache (a Ctrl-C).
std::optional<ComposedImage> compose_with_cache(const ImageRequest& request, const std::string& cwd,
                                                std::optional<std::string>& cached_path, std::string& error,
                                                const std::function<bool()>& stopped = nullptr);

}  // namespace osprey
