#include "fs/epoll.h"

#include <new>
#include <string_view>

#include "arch/x86_64/cpu.h"
#include "mm/user_memory.h"
#include "sched/thread.h"
#include "sync/mutex.h"
#include "sync/wait_queue.h"

namespace fs {

namespace {

struct Item {
    PollObserver observer;
    File* file;  // no reference: a file closed for good leaves the set (closing callback)
    int fd;
    u32 events;
    u64 data;
    bool disabled = false;  // EPOLLONESHOT fired
    ListNode all_node;      // in Epoll::m_items
    ListNode ready_node;    // in Epoll::m_ready
};

class Epoll final : public File {
public:
    Epoll() : File(O_RDWR) {}
    ~Epoll() override {
        while (Item* item = m_items.pop_front()) {
            item->file->remove_observer(item->observer);
            delete item;
        }
    }
    const char* kind() const override { return "epoll"; }
    u32 poll_events() override {
        return m_changed.locked([&] { return m_ready.empty() ? 0u : static_cast<u32>(EPOLLIN); });
    }

    Result<void> ctl(int op, int fd, RefPtr<File> target, const EpollEvent& event);
    Result<usize> wait(u64 out, usize max, u64 deadline_tsc);

    // Whether `epoll` reaches `target` through nested epolls (or nests deeper than Linux allows).
    static bool reaches(Epoll& epoll, File& target, int depth);

private:
    static void on_ready(PollObserver& observer, u32 events);
    static void on_closing(PollObserver& observer);
    Item* find(int fd, File* file);
    void mark_ready(Item& item);

    Mutex m_items_lock{"epoll items"};  // guards m_items and item fields except ready_node
    IntrusiveList<Item, &Item::all_node> m_items;
    WaitQueue m_changed{"epoll ready"};  // its lock guards m_ready
    IntrusiveList<Item, &Item::ready_node> m_ready;
};

void Epoll::mark_ready(Item& item) {
    m_changed.locked([&] {
        if (!item.ready_node.linked()) m_ready.push_back(item);
    });
    m_changed.wake_all();
    notify_observers(EPOLLIN);  // an epoll watched by another epoll
}

void Epoll::on_ready(PollObserver& observer, u32 events) {
    auto* item = reinterpret_cast<Item*>(reinterpret_cast<uptr>(&observer) - offsetof(Item, observer));
    auto* epoll = static_cast<Epoll*>(observer.context);
    if (events & (item->events | EPOLLERR | EPOLLHUP)) epoll->mark_ready(*item);
}

void Epoll::on_closing(PollObserver& observer) {
    auto* item = reinterpret_cast<Item*>(reinterpret_cast<uptr>(&observer) - offsetof(Item, observer));
    auto* epoll = static_cast<Epoll*>(observer.context);
    MutexLocker lock(epoll->m_items_lock);
    epoll->m_changed.locked([&] { epoll->m_ready.remove(*item); });
    epoll->m_items.remove(*item);
    delete item;
}

Item* Epoll::find(int fd, File* file) {
    Item* found = nullptr;
    m_items.for_each([&](Item& item) {
        if (item.fd == fd && item.file == file) found = &item;
    });
    return found;
}

Result<void> Epoll::ctl(int op, int fd, RefPtr<File> target, const EpollEvent& event) {
    if (target.get() == this) return Error(EINVAL);
    // A cycle of epolls would notify itself forever: Linux refuses it with ELOOP.
    if (op == EPOLL_CTL_ADD && is_epoll(*target) && reaches(static_cast<Epoll&>(*target), *this, 1)) return Error(ELOOP);
    // EPOLLEXCLUSIVE: only with ADD, only with these bits, never on an epoll (Linux's ep_ctl).
    constexpr u32 kExclusiveOk = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
    if (op != EPOLL_CTL_DEL && (event.events & EPOLLEXCLUSIVE)) {
        if (op == EPOLL_CTL_MOD) return Error(EINVAL);
        if (is_epoll(*target) || (event.events & ~kExclusiveOk)) return Error(EINVAL);
    }
    MutexLocker lock(m_items_lock);
    Item* item = find(fd, target.get());
    if (op == EPOLL_CTL_MOD && item && (item->events & EPOLLEXCLUSIVE)) return Error(EINVAL);
    switch (op) {
        case EPOLL_CTL_ADD: {
            if (item) return Error(EEXIST);
            item = new (std::nothrow) Item{{}, target.get(), fd, event.events, event.data};
            if (!item) return Error(ENOMEM);
            item->observer.notify = on_ready;
            item->observer.closing = on_closing;
            item->observer.context = this;
            m_items.push_back(*item);
            target->add_observer(item->observer);
            if (target->poll_events() & (item->events | EPOLLERR | EPOLLHUP)) mark_ready(*item);
            return {};
        }
        case EPOLL_CTL_MOD:
            if (!item) return Error(ENOENT);
            item->events = event.events;
            item->data = event.data;
            item->disabled = false;
            if (target->poll_events() & (item->events | EPOLLERR | EPOLLHUP)) mark_ready(*item);
            return {};
        case EPOLL_CTL_DEL:
            if (!item) return Error(ENOENT);
            target->remove_observer(item->observer);
            m_changed.locked([&] { m_ready.remove(*item); });
            m_items.remove(*item);
            delete item;
            return {};
    }
    return Error(EINVAL);
}

Result<usize> Epoll::wait(u64 out, usize max, u64 deadline_tsc) {
    for (;;) {
        usize count = 0;
        {
            MutexLocker lock(m_items_lock);
            // Take the ready list, check each item's events now, put back what stays ready
            // (level-triggered) after reporting.
            constexpr usize kBatch = 64;
            Item* batch[kBatch];
            usize taken = m_changed.locked([&] {
                usize n = 0;
                while (n < kBatch && !m_ready.empty()) batch[n++] = m_ready.pop_front();
                return n;
            });
            for (usize i = 0; i < taken; i++) {
                Item* item = batch[i];
                u32 events = item->disabled ? 0 : item->file->poll_events() & (item->events | EPOLLERR | EPOLLHUP);
                if (!events) continue;
                if (count < max) {
                    EpollEvent e{events, item->data};
                    auto written = user_memory::copy_to(out + count * sizeof(EpollEvent), &e, sizeof e);
                    if (written.is_error()) {
                        for (usize j = i; j < taken; j++) mark_ready(*batch[j]);
                        return count ? Result<usize>(count) : Result<usize>(Error(EFAULT));
                    }
                    count++;
                    if (item->events & EPOLLONESHOT) item->disabled = true;
                    else if (!(item->events & EPOLLET)) mark_ready(*item);  // level: still ready until proven not
                } else {
                    mark_ready(*item);
                }
            }
        }
        if (count) return count;
        if (deadline_tsc == ~0ull) return 0;
        auto waited = m_changed.wait_interruptible([&] { return !m_ready.empty(); }, deadline_tsc);
        if (waited.is_error()) {
            if (waited.error() == ETIMEDOUT) return 0;
            return Error(EINTR);  // epoll_wait is never restarted, as on Linux
        }
    }
}

}  // namespace

bool Epoll::reaches(Epoll& epoll, File& target, int depth) {
    constexpr int kMaxNesting = 5;  // EP_MAX_NESTS in Linux
    if (depth > kMaxNesting) return true;
    MutexLocker lock(epoll.m_items_lock);
    bool found = false;
    epoll.m_items.for_each([&](Item& item) {
        if (found) return;
        if (item.file == &target) found = true;
        else if (is_epoll(*item.file) && reaches(static_cast<Epoll&>(*item.file), target, depth + 1)) found = true;
    });
    return found;
}

Result<RefPtr<File>> create_epoll(u32 flags) {
    if (flags & ~O_CLOEXEC) return Error(EINVAL);
    auto* epoll = new (std::nothrow) Epoll;
    if (!epoll) return Error(ENOMEM);
    return RefPtr<File>::adopt(epoll);
}

bool is_epoll(File& file) { return std::string_view(file.kind()) == "epoll"; }

Result<void> epoll_ctl(File& epoll, int op, int fd, RefPtr<File> target, const EpollEvent& event) {
    return static_cast<Epoll&>(epoll).ctl(op, fd, target, event);
}

Result<usize> epoll_wait(File& epoll, u64 out, usize max, u64 deadline_tsc) {
    return static_cast<Epoll&>(epoll).wait(out, max, deadline_tsc);
}

}  // namespace fs
