// An intrusive hash chain (Linux's hlist): a bucket is one pointer and a node unlinks
// itself in O(1), so tables of thousands of buckets stay small and never allocate.
#pragma once

#include "base/types.h"

namespace net::tcp {

struct ChainNode {
    ChainNode* next = nullptr;
    ChainNode** pprev = nullptr;  // the pointer that points at this node
    bool linked() const { return pprev != nullptr; }
};

inline void chain_insert(ChainNode*& head, ChainNode& node) {
    node.next = head;
    if (head) head->pprev = &node.next;
    head = &node;
    node.pprev = &head;
}

inline void chain_remove(ChainNode& node) {
    if (!node.pprev) return;
    *node.pprev = node.next;
    if (node.next) node.next->pprev = node.pprev;
    node.next = nullptr;
    node.pprev = nullptr;
}

// The object holding `node` as its member `Member`.
template <typename T, ChainNode T::*Member>
T* chain_owner(ChainNode* node) {
    auto offset = reinterpret_cast<uptr>(&(static_cast<T*>(nullptr)->*Member));
    return reinterpret_cast<T*>(reinterpret_cast<uptr>(node) - offset);
}

}  // namespace net::tcp
