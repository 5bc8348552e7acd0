// OwnPtr<T>: sole ownership of a heap object (the kernel's unique_ptr).
#pragma once

#include <new>
#include <utility>

template <typename T>
class OwnPtr {
public:
    OwnPtr() = default;
    explicit OwnPtr(T* object) : m_object(object) {}
    OwnPtr(OwnPtr&& other) : m_object(std::exchange(other.m_object, nullptr)) {}
    OwnPtr& operator=(OwnPtr&& other) {
        if (this != &other) {
            delete m_object;
            m_object = std::exchange(other.m_object, nullptr);
        }
        return *this;
    }
    OwnPtr(const OwnPtr&) = delete;
    OwnPtr& operator=(const OwnPtr&) = delete;
    ~OwnPtr() { delete m_object; }

    // nullptr when out of memory.
    template <typename... Args>
    static OwnPtr make(Args&&... args) {
        return OwnPtr(new (std::nothrow) T(std::forward<Args>(args)...));
    }

    T* get() const { return m_object; }
    T* operator->() const { return m_object; }
    T& operator*() const { return *m_object; }
    explicit operator bool() const { return m_object != nullptr; }

private:
    T* m_object = nullptr;
};
