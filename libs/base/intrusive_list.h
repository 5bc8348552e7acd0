// An intrusive doubly linked list: the links live in the listed objects, so adding and
// removing never allocate (wait queues use it with interrupts off).
//
//   struct Waiter { ListNode node; ... };
//   IntrusiveList<Waiter, &Waiter::node> waiters;
#pragma once

#include "base/types.h"

struct ListNode {
    ListNode* prev = nullptr;
    ListNode* next = nullptr;
    bool linked() const { return next != nullptr; }
};

template <typename T, ListNode T::*Node>
class IntrusiveList {
public:
    IntrusiveList() { m_head.prev = m_head.next = &m_head; }
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    bool empty() const { return m_head.next == &m_head; }
    usize size() const { return m_size; }

    void push_back(T& item) { insert_before(&m_head, &(item.*Node)); }
    void push_front(T& item) { insert_before(m_head.next, &(item.*Node)); }

    T* front() const { return empty() ? nullptr : owner(m_head.next); }
    T* pop_front() {
        if (empty()) return nullptr;
        T* item = owner(m_head.next);
        remove(*item);
        return item;
    }

    // Removes an item that is in this list; an unlinked item is left alone.
    void remove(T& item) {
        ListNode* node = &(item.*Node);
        if (!node->linked()) return;
        node->prev->next = node->next;
        node->next->prev = node->prev;
        node->prev = node->next = nullptr;
        m_size--;
    }

    template <typename F>
    void for_each(F&& f) const {
        for (ListNode* n = m_head.next; n != &m_head;) {
            ListNode* next = n->next;  // f may remove the item
            f(*owner(n));
            n = next;
        }
    }

private:
    static T* owner(ListNode* node) {
        auto offset = reinterpret_cast<uptr>(&(static_cast<T*>(nullptr)->*Node));
        return reinterpret_cast<T*>(reinterpret_cast<uptr>(node) - offset);
    }
    void insert_before(ListNode* position, ListNode* node) {
        node->next = position;
        node->prev = position->prev;
        position->prev->next = node;
        position->prev = node;
        m_size++;
    }

    ListNode m_head;
    usize m_size = 0;
};
