#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "sched/pairing_heap.h"

namespace {

struct Item {
    u64 key;
    HeapNode node;
};
struct ByKey {
    bool operator()(const Item& a, const Item& b) const { return a.key < b.key; }
};
using Heap = PairingHeap<Item, &Item::node, ByKey>;

TEST(PairingHeap, PopsInKeyOrder) {
    std::vector<Item> items(1000);
    std::mt19937_64 random(7);
    Heap heap;
    for (auto& item : items) {
        item.key = random() % 500;
        heap.push(item);
    }
    EXPECT_EQ(heap.size(), 1000u);
    u64 last = 0;
    for (int i = 0; i < 1000; i++) {
        Item* item = heap.pop();
        ASSERT_NE(item, nullptr);
        EXPECT_GE(item->key, last);
        EXPECT_FALSE(Heap::contains(*item));
        last = item->key;
    }
    EXPECT_TRUE(heap.empty());
    EXPECT_EQ(heap.pop(), nullptr);
}

TEST(PairingHeap, RemovingArbitraryItemsKeepsTheRestOrdered) {
    std::vector<Item> items(2000);
    std::mt19937_64 random(11);
    Heap heap;
    for (auto& item : items) {
        item.key = random() % 100000;
        heap.push(item);
    }
    // Pop a few first so the heap has a deep, multi-level structure, then remove at random.
    std::vector<u64> popped;
    for (int i = 0; i < 10; i++) popped.push_back(heap.pop()->key);
    std::vector<u64> expected;
    for (auto& item : items) {
        if (!Heap::contains(item)) continue;
        if (random() % 3 == 0)
            heap.remove(item);
        else
            expected.push_back(item.key);
    }
    std::sort(expected.begin(), expected.end());
    std::vector<u64> got;
    while (Item* item = heap.pop()) got.push_back(item->key);
    EXPECT_EQ(got, expected);
}

TEST(PairingHeap, RemoveOfTopAndOfAbsentItemAreSafe) {
    Item a{1, {}}, b{2, {}}, c{3, {}};
    Heap heap;
    heap.push(b);
    heap.push(a);
    heap.remove(a);  // the top
    heap.remove(a);  // no longer in the heap: nothing happens
    heap.remove(c);  // never in the heap
    EXPECT_EQ(heap.size(), 1u);
    EXPECT_EQ(heap.top(), &b);
}

TEST(PairingHeap, InterleavedOperationsMatchAReferenceModel) {
    std::vector<Item> items(300);
    std::mt19937_64 random(99);
    Heap heap;
    std::vector<Item*> model;
    for (int step = 0; step < 20000; step++) {
        Item& item = items[random() % items.size()];
        int op = random() % 3;
        if (op == 0 && !Heap::contains(item)) {
            item.key = random() % 1000;
            heap.push(item);
            model.push_back(&item);
        } else if (op == 1 && Heap::contains(item)) {
            heap.remove(item);
            model.erase(std::find(model.begin(), model.end(), &item));
        } else if (op == 2 && !model.empty()) {
            u64 min_key = (*std::min_element(model.begin(), model.end(),
                                             [](Item* x, Item* y) { return x->key < y->key; }))->key;
            Item* top = heap.pop();
            ASSERT_EQ(top->key, min_key);
            model.erase(std::find(model.begin(), model.end(), top));
        }
        ASSERT_EQ(heap.size(), model.size());
    }
}

}  // namespace
