#include <gtest/gtest.h>

#include <vector>

#include "base/intrusive_list.h"

namespace {

struct Item {
    int value;
    ListNode node;
};
using List = IntrusiveList<Item, &Item::node>;

std::vector<int> values(const List& list) {
    std::vector<int> out;
    list.for_each([&](Item& item) { out.push_back(item.value); });
    return out;
}

TEST(IntrusiveList, KeepsInsertionOrderAtBothEnds) {
    Item a{1, {}}, b{2, {}}, c{3, {}};
    List list;
    list.push_back(b);
    list.push_back(c);
    list.push_front(a);
    EXPECT_EQ(values(list), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(list.size(), 3u);
    EXPECT_EQ(list.pop_front(), &a);
    EXPECT_FALSE(a.node.linked());
}

TEST(IntrusiveList, RemoveFromTheMiddleAndTwiceIsSafe) {
    Item a{1, {}}, b{2, {}}, c{3, {}};
    List list;
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    list.remove(b);
    list.remove(b);
    EXPECT_EQ(values(list), (std::vector<int>{1, 3}));
    EXPECT_EQ(list.size(), 2u);
}

TEST(IntrusiveList, ForEachMayRemoveTheCurrentItem) {
    std::vector<Item> items(10);
    List list;
    for (int i = 0; i < 10; i++) {
        items[i].value = i;
        list.push_back(items[i]);
    }
    list.for_each([&](Item& item) {
        if (item.value % 2) list.remove(item);
    });
    EXPECT_EQ(values(list), (std::vector<int>{0, 2, 4, 6, 8}));
    while (list.pop_front()) {
    }
    EXPECT_TRUE(list.empty());
    EXPECT_EQ(list.front(), nullptr);
}

}  // namespace
