// The C++ runtime the kernel provides itself: global constructors (run from
// .init_array at boot), virtual dispatch, and new/delete on the kernel heap.
#include "mm/heap.h"
#include "selftest/selftest.h"

namespace selftest {

namespace {

struct ConstructedAtBoot {
    ConstructedAtBoot() : value(0x05b7e7) {}
    volatile u32 value;
};
ConstructedAtBoot g_constructed;

struct Shape {
    virtual ~Shape() = default;
    virtual u64 area() const = 0;
};
struct Square final : Shape {
    explicit Square(u64 side) : side(side) {}
    u64 area() const override { return side * side; }
    u64 side;
};

bool cxx_runtime() {
    SELFTEST_CHECK(g_constructed.value == 0x05b7e7);
    auto before = heap::stats().live_allocations;
    Shape* shape = new Square(7);
    // Let the pointer escape: the compiler may otherwise elide a new/delete pair.
    asm volatile("" : "+r"(shape)::"memory");
    SELFTEST_CHECK(shape->area() == 49);
    SELFTEST_CHECK(heap::stats().live_allocations == before + 1);
    delete shape;
    SELFTEST_CHECK(heap::stats().live_allocations == before);
    return true;
}

const Test kCxxTests[] = {{"cxx", cxx_runtime, false}};

}  // namespace

std::span<const Test> cxx_tests() { return kCxxTests; }

}  // namespace selftest
