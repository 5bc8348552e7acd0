#include <gtest/gtest.h>

#include <cerrno>

#include "base/errno.h"
#include "base/result.h"

namespace {

TEST(Errno, ValuesAgreeWithTheHostLinuxHeaders) {
    // Both sets of macros are visible here; if they disagreed the compiler would warn about
    // a redefinition, and the numbers below would differ.
    EXPECT_EQ(ENOENT, 2);
    EXPECT_EQ(EFAULT, 14);
    EXPECT_EQ(ENOSYS, 38);
    EXPECT_EQ(ETIMEDOUT, 110);
    EXPECT_EQ(EINPROGRESS, 115);
    EXPECT_EQ(EUCLEAN, 117);
}

TEST(Errno, NamesAreSymbolic) {
    EXPECT_STREQ(err::name(ENOENT), "ENOENT");
    EXPECT_STREQ(err::name(EAGAIN), "EAGAIN");
    EXPECT_STREQ(err::name(EUCLEAN), "EUCLEAN");
    EXPECT_STREQ(err::name(9999), "E?");
}

Result<int> half(int value) {
    if (value % 2) return Error(EINVAL);
    return value / 2;
}

Result<int> quarter(int value) {
    int h = TRY(half(value));
    return TRY(half(h));
}

TEST(Result, TryPropagatesTheFirstError) {
    EXPECT_EQ(quarter(8).value(), 2);
    EXPECT_EQ(quarter(6).error(), EINVAL);
    EXPECT_EQ(quarter(3).error(), EINVAL);
}

}  // namespace
