#include "commands/cached_image.h"

#include <cstdio>

#include "image/image_cache.h"
#include "image/image_file.h"

namespace osprey {

std::optional<ComposedImage> compose_with_cache(const ImageRequest& request, const std::string& cwd,
                                                std::optional<std::string>& cached_path, std::string& error,
                                                const std::function<bool()>& stopped) {
    cached_path.reset();
    auto limit = image_cache_limit_bytes();
    std::optional<ImageCache> cache;
    // What a --discover trial run opens may differ each time.
    if (limit && request.discover_seconds == 0) cache = ImageCache::open();
    if (!cache) return compose_image(request, cwd, error);
    std::vector<std::string> env = request.default_env;
    // A bad -e is reported by compose_image, as without the cache.
    std::string env_error;
    if (!apply_environment_options(env, request.env_options, request.host_getenv, env_error))
        return compose_image(request, cwd, error);
    std::string key = image_cache_key(request, cwd, env);

    if (auto hit = cache->lookup(key)) {
        std::string load_error;
        if (auto loaded = load_image(hit->path, load_error)) {
            ComposedImage image{std::move(loaded->tree), std::move(loaded->spec), std::move(loaded->info), loaded->mapping};
            // The stored argv is the program's own entries; this run's arguments follow.
            image.spec.argv.insert(image.spec.argv.end(), request.args.begin(), request.args.end());
            cached_path = hit->path;
            return image;
        }
        // An entry that does not read back is built again and replaced.
    }

    auto image = compose_image(request, cwd, error);
    if (!image) return std::nullopt;
    // Stored without this run's arguments (they come after the program's own argv entries)
    // and without entropy: each run brings both in its overlay.
    AppSpec run_spec = image->spec;
    image->spec.argv.resize(image->spec.argv.size() - request.args.size());
    image->spec.has_random = false;
    if (!finish_image(*image, error)) return std::nullopt;
    image->spec = run_spec;
    auto dependencies = image_dependencies(image->tree, request_directories(request, cwd, env));
    std::string store_error;
    cached_path = cache->store(key, image->tree, dependencies, store_error, stopped);
    if (!cached_path) {
        if (!(stopped && stopped()))
            fprintf(stderr, "osprey: note: the image is not cached: %s\n", store_error.c_str());
        return image;
    }
    // Entries used in the last minute stay: a run may be about to boot one.
    cache->trim(*limit, 60);
    return image;
}

}  // namespace osprey
