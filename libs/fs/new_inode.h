// The group and mode bits a new inode gets from the directory it is made in, as Linux's
// inode_init_owner and mode_strip_sgid, for every file system alike (tmpfs, ext4, 9p):
//  - in a set-group-ID directory, a new inode of any type belongs to the directory's group
//    rather than to its creator's file-system group, and a new directory is set-group-ID
//    too, so the rule carries down the tree (what shared project directories rely on);
//  - a new non-directory asking for set-group-ID with group execute there keeps the bit
//    only when its creator is in that group or privileged (root): otherwise creating a
//    file would hand out a group the creator does not have.
#pragma once

#include <span>

#include "base/types.h"

namespace fs {

constexpr u32 kSetGroupId = 02000, kGroupExecute = 010;

struct Creator {
    u32 fsuid;
    u32 fsgid;
    std::span<const u32> groups;  // supplementary
    bool in_group(u32 gid) const {
        if (gid == fsgid) return true;
        for (u32 g : groups)
            if (g == gid) return true;
        return false;
    }
};

struct NewInodeOwner {
    u32 permissions;  // the low 12 mode bits, after the umask
    u32 gid;
};

inline NewInodeOwner new_inode_owner(u32 parent_permissions, u32 parent_gid, bool directory, u32 permissions,
                                     const Creator& creator) {
    if (!(parent_permissions & kSetGroupId)) return {permissions, creator.fsgid};
    if (directory) return {permissions | kSetGroupId, parent_gid};
    constexpr u32 kBoth = kSetGroupId | kGroupExecute;
    if ((permissions & kBoth) == kBoth && creator.fsuid != 0 && !creator.in_group(parent_gid))
        permissions &= ~kSetGroupId;
    return {permissions, parent_gid};
}

}  // namespace fs
