#include "commands/cached_image.h"

#include <cstdio>

#include "image/image_cache.h"
#include "image/image_file.h"

namespace osprey {

namespace {

// An entry's run spec with this run's arguments in place of those of the run that built
// it: the first argv entries are the program's own (argv[0], or a script's interpreter
// line), then came the building run's `build_args`.
bool replace_arguments(AppSpec& spec, usize build_args, const std::vector<std::string>& args) {
    if (spec.argv.size() < build_args + 1) return false;
    spec.argv.resize(spec.argv.size() - build_args);
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    return true;
}

}  // namespace

std::optional<ComposedImage> compose_with_cache(const ImageRequest& request, const std::string& cwd,
                                                std::optional<std::string>& cached_path, std::string& error) {
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
            if (replace_arguments(image.spec, hit->build_args, request.args)) {
                cached_path = hit->path;
                return image;
            }
        }
        // An entry that does not read back is built again and replaced.
    }

    auto image = compose_image(request, cwd, error);
    if (!image) return std::nullopt;
    // Stored as a saved image is: without entropy (each run brings its own).
    AppSpec run_spec = image->spec;
    image->spec.has_random = false;
    if (!finish_image(*image, error)) return std::nullopt;
    image->spec = run_spec;
    auto dependencies = image_dependencies(image->tree, request_directories(request));
    std::string store_error;
    cached_path = cache->store(key, image->tree, request.args.size(), dependencies, store_error);
    if (!cached_path) {
        fprintf(stderr, "osprey: note: the image is not cached: %s\n", store_error.c_str());
        return image;
    }
    // Entries used in the last minute stay: a run may be about to boot one.
    cache->trim(*limit, 60);
    return image;
}

}  // namespace osprey
