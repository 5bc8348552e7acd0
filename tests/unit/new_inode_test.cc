#include "fs/new_inode.h"

#include <gtest/gtest.h>

namespace {

using fs::Creator;
using fs::new_inode_owner;

constexpr u32 kUser = 1000, kUserGroup = 1000, kProjectGroup = 50;
const Creator kOrdinaryUser{kUser, kUserGroup, {}};

TEST(NewInodeOwner, OutsideASetGroupIdDirectoryTheCreatorsGroupAndTheModeAsAsked) {
    auto file = new_inode_owner(0755, kProjectGroup, false, 02755, kOrdinaryUser);
    EXPECT_EQ(file.gid, kUserGroup);
    EXPECT_EQ(file.permissions, 02755u);
    auto dir = new_inode_owner(0755, kProjectGroup, true, 0700, kOrdinaryUser);
    EXPECT_EQ(dir.gid, kUserGroup);
    EXPECT_EQ(dir.permissions, 0700u);
}

TEST(NewInodeOwner, InASetGroupIdDirectoryTheDirectorysGroupAndNewDirectoriesKeepTheBit) {
    auto file = new_inode_owner(02775, kProjectGroup, false, 0644, kOrdinaryUser);
    EXPECT_EQ(file.gid, kProjectGroup);
    EXPECT_EQ(file.permissions, 0644u);
    auto dir = new_inode_owner(02775, kProjectGroup, true, 0755, kOrdinaryUser);
    EXPECT_EQ(dir.gid, kProjectGroup);
    EXPECT_EQ(dir.permissions, 02755u);
}

TEST(NewInodeOwner, ASetGroupIdFileThereKeepsTheBitOnlyForAMemberOrRoot) {
    // Not a member: the bit would give the file a group its creator lacks.
    EXPECT_EQ(new_inode_owner(02775, kProjectGroup, false, 02755, kOrdinaryUser).permissions, 0755u);
    // Without group execute the bit means mandatory locking, not a group: kept.
    EXPECT_EQ(new_inode_owner(02775, kProjectGroup, false, 02745, kOrdinaryUser).permissions, 02745u);
    const u32 groups[] = {7, kProjectGroup};
    const Creator member{kUser, kUserGroup, groups};
    EXPECT_EQ(new_inode_owner(02775, kProjectGroup, false, 02755, member).permissions, 02755u);
    const Creator root{0, 0, {}};
    EXPECT_EQ(new_inode_owner(02775, kProjectGroup, false, 02755, root).permissions, 02755u);
}

}  // namespace
