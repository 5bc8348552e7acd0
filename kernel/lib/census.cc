#include "lib/census.h"

#include "lib/log.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "mm/kernel_stacks.h"
#include "sched/thread.h"

namespace census {

Census take() {
    auto heap = heap::stats();
    Census c{frames::free_count(), heap.allocated_bytes, heap.live_allocations, heap.pages_held, live_thread_count(),
             kernel_stacks::live_count(), {}};
    for (usize k = 0; k < static_cast<usize>(objects::Kind::Count); k++) c.objects[k] = objects::live(objects::Kind(k));
    return c;
}

void render(text::Sink& out, const Census& c) {
    text::format_to(out, "free_frames {}\nheap_bytes {}\nheap_allocations {}\nheap_pages {}\nthreads {}\nkernel_stacks {}\n",
                    c.free_frames, c.heap_bytes, c.heap_allocations, c.heap_pages, c.threads, c.kernel_stacks);
    for (usize k = 0; k < static_cast<usize>(objects::Kind::Count); k++)
        text::format_to(out, "{} {}\n", objects::name(objects::Kind(k)), c.objects[k]);
}

void log(const char* when) {
    if (!klog::enabled(klog::Level::Info)) return;
    Census c = take();
    char line[320];
    text::BufferSink out(line, sizeof line);
    for (usize k = 0; k < static_cast<usize>(objects::Kind::Count); k++)
        text::format_to(out, ", {} {}", objects::name(objects::Kind(k)), c.objects[k]);
    klog::info("census {}: {} free frames, heap {} bytes in {} objects ({} pages), {} threads, {} kernel stacks{}", when,
               c.free_frames, c.heap_bytes, c.heap_allocations, c.heap_pages, c.threads, c.kernel_stacks, out.view());
}

}  // namespace census
