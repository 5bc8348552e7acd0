// Intrusive reference counting for kernel objects shared by several owners (open files
// shared by descriptors and threads).
#pragma once

#include "lib/atomic.h"
#include <utility>

#include "base/types.h"

class RefCounted {
public:
    void ref() { m_refs.fetch_add(1, kstd::relaxed); }
    void unref() {
        if (m_refs.fetch_sub(1, kstd::acq_rel) == 1) delete this;
    }
    u32 ref_count() const { return m_refs.load(kstd::relaxed); }
    // A new reference, unless the count has already reached zero (the object is being
    // destroyed): for caches holding plain pointers that objects remove in their destructor.
    bool try_ref() {
        u32 count = m_refs.load(kstd::relaxed);
        while (count)
            if (m_refs.compare_exchange_strong(count, count + 1, kstd::acquire)) return true;
        return false;
    }

protected:
    virtual ~RefCounted() = default;

private:
    kstd::Atomic<u32> m_refs{1};  // the creator's reference
};

template <typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(decltype(nullptr)) {}
    // Takes over the creator's reference of a new object.
    static RefPtr adopt(T* object) {
        RefPtr p;
        p.m_object = object;
        return p;
    }
    RefPtr(T* object) : m_object(object) {
        if (m_object) m_object->ref();
    }
    RefPtr(const RefPtr& other) : RefPtr(other.m_object) {}
    RefPtr(RefPtr&& other) : m_object(std::exchange(other.m_object, nullptr)) {}
    template <typename U>
    RefPtr(const RefPtr<U>& other) : RefPtr(static_cast<T*>(other.get())) {}
    ~RefPtr() {
        if (m_object) m_object->unref();
    }
    RefPtr& operator=(RefPtr other) {
        std::swap(m_object, other.m_object);
        return *this;
    }
    T* get() const { return m_object; }
    T* operator->() const { return m_object; }
    T& operator*() const { return *m_object; }
    explicit operator bool() const { return m_object != nullptr; }

private:
    T* m_object = nullptr;
};
