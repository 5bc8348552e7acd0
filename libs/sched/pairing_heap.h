// An intrusive min-heap (pairing heap): the run queue orders threads by virtual runtime
// with it, the timer queue orders timers by deadline. Intrusive, so inserting never
// allocates (it runs with interrupts off, on the wake-up and timer paths); every
// operation is O(1) except pop and remove, O(log n) amortized.
//
//   struct Timer { u64 deadline; HeapNode node; };
//   PairingHeap<Timer, &Timer::node, ByDeadline> timers;
//
// Compare(a, b) is true when a must come out before b. Equal keys come out in insertion
// order only loosely; callers that need FIFO among equals add a sequence number.
#pragma once

#include "base/types.h"

struct HeapNode {
    HeapNode* child = nullptr;
    HeapNode* next = nullptr;  // next sibling
    HeapNode* prev = nullptr;  // previous sibling, or the parent for a first child
    bool linked = false;
};

template <typename T, HeapNode T::*Node, typename Compare>
class PairingHeap {
public:
    bool empty() const { return m_root == nullptr; }
    usize size() const { return m_size; }
    T* top() const { return m_root ? owner(m_root) : nullptr; }
    static bool contains(const T& item) { return (item.*Node).linked; }

    void push(T& item) {
        HeapNode* node = &(item.*Node);
        *node = HeapNode{};
        node->linked = true;
        m_root = m_root ? meld(m_root, node) : node;
        m_size++;
    }

    T* pop() {
        if (!m_root) return nullptr;
        HeapNode* old = m_root;
        m_root = merge_pairs(old->child);
        if (m_root) m_root->prev = nullptr;
        old->child = old->next = old->prev = nullptr;
        old->linked = false;
        m_size--;
        return owner(old);
    }

    // Removes an item that is in the heap (anywhere in it).
    void remove(T& item) {
        HeapNode* node = &(item.*Node);
        if (!node->linked) return;
        if (node == m_root) {
            pop();
            return;
        }
        detach(node);
        HeapNode* rest = merge_pairs(node->child);
        if (rest) {
            rest->prev = nullptr;
            m_root = meld(m_root, rest);
        }
        node->child = node->next = node->prev = nullptr;
        node->linked = false;
        m_size--;
    }

private:
    static T* owner(HeapNode* node) {
        // The offset of the member within T, computed from the member pointer.
        auto offset = reinterpret_cast<uptr>(&(static_cast<T*>(nullptr)->*Node));
        return reinterpret_cast<T*>(reinterpret_cast<uptr>(node) - offset);
    }
    static bool before(HeapNode* a, HeapNode* b) { return Compare{}(*owner(a), *owner(b)); }

    // Links two roots; the one that comes later becomes the first child of the other.
    static HeapNode* meld(HeapNode* a, HeapNode* b) {
        if (before(b, a)) {
            HeapNode* t = a;
            a = b;
            b = t;
        }
        b->prev = a;
        b->next = a->child;
        if (a->child) a->child->prev = b;
        a->child = b;
        a->next = a->prev = nullptr;
        return a;
    }

    // Unlinks a non-root node (and its subtree) from its parent or siblings.
    static void detach(HeapNode* node) {
        if (node->prev->child == node)
            node->prev->child = node->next;  // first child: prev is the parent
        else
            node->prev->next = node->next;
        if (node->next) node->next->prev = node->prev;
        node->next = node->prev = nullptr;
    }

    // The standard two-pass merge of a sibling list, without recursion (kernel stacks are
    // small): pair left to right, then meld the pairs right to left.
    static HeapNode* merge_pairs(HeapNode* first) {
        if (!first) return nullptr;
        HeapNode* pairs = nullptr;  // a stack of melded pairs, linked through `next`
        while (first) {
            HeapNode* a = first;
            HeapNode* b = a->next;
            first = b ? b->next : nullptr;
            a->next = a->prev = nullptr;
            if (b) {
                b->next = b->prev = nullptr;
                a = meld(a, b);
            }
            a->next = pairs;
            pairs = a;
        }
        HeapNode* result = pairs;
        pairs = pairs->next;
        result->next = nullptr;
        while (pairs) {
            HeapNode* a = pairs;
            pairs = pairs->next;
            a->next = nullptr;
            result = meld(result, a);
        }
        return result;
    }

    HeapNode* m_root = nullptr;
    usize m_size = 0;
};
