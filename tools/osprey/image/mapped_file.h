// A host file mapped read-only: image writes and ELF scans read large files (cc1 is 30 MB)
// without copying them, and touch only the pages they look at.
#pragma once

#include <span>
#include <string>

#include "base/types.h"

namespace osprey {

class MappedFile {
public:
    MappedFile() = default;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    // Maps the regular file at `path` (once per object); false with "cannot read PATH: REASON" otherwise.
    bool open(const std::string& path, std::string& error);
    std::span<const u8> bytes() const { return {static_cast<const u8*>(m_data), m_size}; }

private:
    void* m_data = nullptr;
    size_t m_size = 0;
};

}  // namespace osprey
