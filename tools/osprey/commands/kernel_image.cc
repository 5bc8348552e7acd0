#include "commands/kernel_image.h"

#include "elf/elf64.h"
#include "image/mapped_file.h"

namespace osprey {

bool inspect_kernel(const std::string& path, KernelImage& image, std::string& error) {
    // Mapped, not read: only the headers are looked at, and reading the whole image a
    // byte at a time through a stream cost ~20 ms of every `osprey run` (issue 17).
    MappedFile mapped;
    std::string reason;
    if (!mapped.open(path, reason)) {
        error = "cannot read the kernel image " + path;
        return false;
    }
    elf::Diagnosis diagnosis{};
    auto file = elf::ElfFile::parse(mapped.bytes(), &diagnosis);
    if (file.is_error()) {
        error = path + " is not a kernel image: " + diagnosis.reason;
        return false;
    }
    for (elf::Phdr ph : file.value().program_headers())
        if (ph.p_type == elf::PT_LOAD && ph.p_paddr + ph.p_memsz > image.physical_end)
            image.physical_end = ph.p_paddr + ph.p_memsz;
    if (image.physical_end == 0) {
        error = path + " has nothing to load";
        return false;
    }
    return true;
}

// Below the image lie the 1 MiB that PC firmware keeps and the free memory between 1 MiB
// and the load address; half a MiB above it is enough for the kernel's own start-up.
u64 minimum_memory_mib(const KernelImage& image) { return (image.physical_end + 512 * KiB + MiB - 1) / MiB; }

}  // namespace osprey
