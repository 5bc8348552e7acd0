#include "image/temp_dir.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace osprey {

std::optional<TempDir> TempDir::create(const std::string& prefix, std::string& error) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data())) {
        error = "cannot create a temporary directory " + pattern + ": " + strerror(errno);
        return std::nullopt;
    }
    return TempDir(buffer.data());
}

TempDir::~TempDir() {
    if (m_path.empty() || m_keep) return;
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

}  // namespace osprey
