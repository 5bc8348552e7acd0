// A fresh private directory (mkdtemp) under $TMPDIR or /tmp, removed with everything in it
// when the object goes away, unless keep() was called (--dry-run, --keep-image).
#pragma once

#include <optional>
#include <string>

namespace osprey {

class TempDir {
public:
    // Creates $TMPDIR/PREFIX-XXXXXX; nullopt with a message in `error` when it cannot.
    static std::optional<TempDir> create(const std::string& prefix, std::string& error);

    TempDir(TempDir&& other) noexcept : m_path(std::move(other.m_path)), m_keep(other.m_keep) { other.m_path.clear(); }
    TempDir& operator=(TempDir&&) = delete;
    TempDir(const TempDir&) = delete;
    ~TempDir();

    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }
    void keep() { m_keep = true; }

private:
    explicit TempDir(std::string path) : m_path(std::move(path)) {}

    std::string m_path;
    bool m_keep = false;
};

}  // namespace osprey
