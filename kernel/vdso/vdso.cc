#include "vdso/vdso.h"

#include <cstring>

#include "arch/x86_64/layout.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "mm/frames.h"
#include "sched/clock.h"
#include "sync/spinlock.h"
#include "time/clock_page.h"

// The image, embedded by the generated vdso_blob.S (kernel/CMakeLists.txt).
extern "C" const u8 osprey_vdso_image_start[], osprey_vdso_image_end[];

namespace vdso {

namespace {

constexpr u64 kPage = layout::kPageSize;

// The time page: one frame, mapped read-only into every process and written only here.
// Allocated on first use (the first process, started by one thread), after the clock has
// been calibrated.
u64 g_vvar_frame = 0;
IrqSpinLock g_publish_lock{"vdso publish"};  // one writer at a time: the sequence count allows no more

vclock::ClockPage& clock_page() { return *static_cast<vclock::ClockPage*>(layout::phys_to_virt(g_vvar_frame)); }

Result<void> ensure_vvar() {
    if (g_vvar_frame) return {};
    u64 frame = TRY(frames::allocate(0));
    memset(layout::phys_to_virt(frame), 0, kPage);
    g_vvar_frame = frame;
    publish_clock();
    return {};
}

// The time page's frame, shared by every mapping of it (never copied, never freed).
struct VvarBacking final : mm::Backing {
    Result<void> fill(u64, u8*) override { return Error(ENODEV); }
    Result<u64> shared_frame(u64 offset) override {
        if (offset != 0) return Error(ENXIO);
        return g_vvar_frame;
    }
    bool maps_in_place() const override { return true; }
    const char* path() const override { return "[vvar]"; }
};

VvarBacking g_vvar_backing;
mm::FileImage g_image_backing(osprey_vdso_image_start,
                                     static_cast<u64>(osprey_vdso_image_end - osprey_vdso_image_start), "[vdso]");

}  // namespace

std::span<const u8> image() {
    return {osprey_vdso_image_start, static_cast<usize>(osprey_vdso_image_end - osprey_vdso_image_start)};
}

void publish_clock() {
    if (!g_vvar_frame) return;  // published when first mapped
    IrqSpinLockGuard guard(g_publish_lock);
    vclock::publish(clock_page(), ktime::clock_params());
}

Result<u64> map(mm::AddressSpace& memory, u64 top) {
    TRY(ensure_vvar());
    u64 image_size = align_up(image().size(), kPage);
    u64 base = top - image_size;
    u64 vvar = base - kPage;
    TRY(memory.map_fixed(vvar, kPage, mm::kProtRead, &g_vvar_backing, 0, mm::kTagVvar));
    TRY(memory.map_fixed(base, image_size, mm::kProtRead | mm::kProtExec, &g_image_backing, 0, mm::kTagVdso));
    // Backed now: libc reads the image's headers at start-up and the clock soon after,
    // and a fault costs more than the copy.
    TRY(memory.populate(vvar, top));
    return base;
}

}  // namespace vdso
