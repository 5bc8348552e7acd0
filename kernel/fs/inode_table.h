// The live inodes of a file system whose files live elsewhere (a host folder, a disk), by
// inode number: two lookups of one file, or two names of it, give one inode, so locks,
// mappings and link counts follow the file. Holds plain pointers: an inode adds itself
// when made and removes itself in its destructor; find() takes a reference only while the
// count has not reached zero.
#pragma once

#include <new>

#include "base/intrusive_list.h"
#include "fs/inode.h"
#include "sync/spinlock.h"

namespace fs {

template <typename T, ListNode T::*Node>
class InodeTable {
public:
    static constexpr usize kBuckets = 256;

    Result<void> init() {
        m_buckets = new (std::nothrow) Bucket[kBuckets];
        if (!m_buckets) return Error(ENOMEM);
        return {};
    }
    ~InodeTable() { delete[] m_buckets; }

    RefPtr<Inode> find(u64 ino) {
        IrqSpinLockGuard guard(m_lock);
        T* found = nullptr;
        bucket(ino).for_each([&](T& inode) {
            if (!found && inode.ino() == ino && inode.try_ref()) found = &inode;
        });
        return found ? RefPtr<Inode>::adopt(found) : RefPtr<Inode>();
    }
    void insert(T& inode) {
        IrqSpinLockGuard guard(m_lock);
        bucket(inode.ino()).push_back(inode);
    }
    void remove(T& inode) {
        IrqSpinLockGuard guard(m_lock);
        bucket(inode.ino()).remove(inode);
    }

private:
    struct Bucket {
        IntrusiveList<T, Node> inodes;
    };
    IntrusiveList<T, Node>& bucket(u64 ino) { return m_buckets[ino % kBuckets].inodes; }

    IrqSpinLock m_lock{"inode table"};
    Bucket* m_buckets = nullptr;
};

}  // namespace fs
