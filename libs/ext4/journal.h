// ext4's journal (jbd2) in the volume's journal inode: replaying what a crash left in it,
// and writing transactions, each a list of metadata blocks that reaches its home location
// all or nothing.
//
//   ext4::Journal journal = TRY(ext4::Journal::open(device));
//   TRY(journal.replay());                      // at mount; nothing to do when clean
//   TRY(journal.start());                       // before the first write, like a rw mount
//   TRY(journal.commit(blocks));                // atomic: all of `blocks` or none
//   TRY(journal.stop());                        // at unmount: the journal is empty again
//
// Writing. commit() logs the blocks (descriptor blocks, then the copies), flushes, writes
// the commit block, flushes, and then checkpoints at once: writes every block home,
// flushes, and moves the journal superblock past the transaction. So the ring holds at
// most one transaction and never wraps, and no revoke records are needed (nothing older
// can be replayed over a reused block). That costs three flushes per commit; the caller
// batches operations into one commit to pay them once.
// FIXME: no asynchronous checkpoint. Linux lets committed transactions pile up in the
// ring and writes them home later; doing so here needs revoke records and the wrap.
//
// File data is not journaled (Linux's data=ordered): the caller writes a file's data
// blocks to the device before the commit() of the metadata that points at them. commit()
// flushes before it writes the commit block, so that data is durable before any metadata
// naming it can be replayed; and once commit() returns both are, which is what fsync needs.
//
// Between start() and stop() the ext4 superblock carries needs_recovery (INCOMPAT_RECOVER)
// and the journal superblock a non-zero start, as under a Linux rw mount, so e2fsck and
// Linux replay after a crash. A logged copy of the block that holds the ext4 superblock
// gets needs_recovery set (and its checksum redone) on the way, so checkpointing a copy
// the caller made before start() cannot clear the flag while the journal is live.
// start() also turns on the journal features Linux would for this volume: revoke, 64bit
// with a 64bit volume, checksum v3 (crc32c) with metadata_csum.
//
// Replay follows the kernel's fs/jbd2/recovery.c: a scan pass finds the end of the log
// (the first block whose magic or sequence is not the next expected, or whose checksum
// fails), a revoke pass collects revoke records, a replay pass writes home every logged
// copy of a complete transaction that no revoke record of the same or a later transaction
// covers. A commit block that fails its checksum makes the report say corrupt and marks
// the volume with errors (as e2fsck does; Linux refuses the mount). Differences: the
// scan reads and checks every logged copy's tag checksum, and a mismatch ends the log
// before that transaction (the kernel replays the rest and fails the mount), so a
// transaction is replayed whole or not at all; a descriptor or revoke block that fails its
// checksum ends the log too (the kernel looks at commit times to tell stale from corrupt),
// and so does a commit block that fails its checksum under async_commit (where the kernel
// moves on to the next transaction).
//
// A journal holding transactions on a volume whose superblock does not say needs_recovery
// is emptied without replay, as Linux's ext4_load_journal does (e2fsck asks first).
//
// Refused (EINVAL, diagnosis() says why): an external journal device, a journal
// superblock v1 for writing, unknown incompatible journal features, and replaying a
// non-empty journal with fast commits. A journal with fast commits that is empty may be
// written; its fast-commit area is left alone.
// FIXME: no fast-commit replay (ext4's own log of inode changes after the last full
// commit): such a volume cannot be mounted after a crash until e2fsck or Linux replays it.
//
// Not thread-safe: the caller serialises every call (one journal per volume).
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "ext4/block_device.h"
#include "ext4/heap_array.h"
#include "ext4/jbd2_format.h"
#include "ext4/superblock.h"
#include "ext4/volume.h"

namespace ext4 {

// Stored in the commit block; Linux uses it to tell stale commit blocks from new ones.
struct CommitTime {
    u64 seconds = 0;
    u32 nanoseconds = 0;
};

struct ReplayReport {
    bool was_empty = false;        // nothing to replay
    u32 first_transaction = 0;     // s_sequence found
    u32 end_transaction = 0;       // the first transaction not replayed
    u32 transactions = 0;          // complete transactions replayed
    u32 discarded = 0;             // complete transactions dropped: the volume did not say
                                   // needs_recovery (Linux drops them too)
    u64 blocks_replayed = 0;
    u64 blocks_revoked = 0;        // logged copies skipped for a revoke record
    u64 revoke_records = 0;
    const char* stopped_by = "";   // why the scan ended: "end of log" when nothing was wrong
    bool corrupt = false;          // it ended at a commit block that failed its checksum:
                                   // Linux refuses the mount (EFSCORRUPTED), e2fsck and this
                                   // replay what came before and mark the volume with errors
    i32 journal_errno = 0;         // s_errno: jbd2 aborted before the crash (the kernel
                                   // should mount read-only and ask for e2fsck)
};

class Journal {
public:
    // Reads the ext4 superblock, maps the journal inode and checks the journal
    // superblock. ENOENT when the volume has no journal; EINVAL for what is refused.
    static Result<Journal> open(BlockDevice& device, Diagnosis* diagnosis = nullptr);

    const jbd2::JournalSuperblock& superblock() const { return m_jsb; }
    const Diagnosis& diagnosis() const { return m_diagnosis; }
    bool started() const { return m_started; }
    // The journal holds transactions a crash left (never true between start and stop).
    bool needs_recovery() const { return !m_started && !m_jsb.empty(); }
    // The largest commit() this journal takes, in blocks.
    u64 max_transaction_blocks() const;

    // Replays, then marks the journal empty and clears needs_recovery. EBUSY once started.
    Result<ReplayReport> replay();
    // EINVAL if the journal still needs recovery or is v1; EIO if s_errno is set.
    Result<void> start();
    // Atomically writes `blocks` home. A block may appear more than once (operations
    // batched into one commit): its last copy is the one logged and written.
    // EINVAL before start() or for a block outside the volume, inside the journal or of
    // the wrong size;
    // E2BIG, with nothing written, when they do not fit the journal. A failed write
    // aborts the journal: every later commit() and stop() fails with EIO.
    Result<void> commit(std::span<const DirtyBlock> blocks, CommitTime time = {});
    // EIO, leaving needs_recovery set, after a commit failed part way.
    Result<void> stop();

private:
    struct Run {
        u64 logical = 0;
        u64 physical = 0;
        u64 length = 0;
    };
    enum class Pass { Scan, Revoke, Replay };
    struct Walk;

    Journal(BlockDevice& device, const Superblock& sb) : m_device(&device), m_sb(sb) {}
    // The journal inode's first `blocks` blocks as runs of contiguous blocks, neighbours
    // merged, into `runs`; with `runs` empty, only their count.
    static Result<usize> collect_runs(Volume& volume, const Inode& inode, u64 blocks, std::span<u8> scratch,
                                      std::span<Run> runs, Diagnosis* why);
    Error refuse(int code, const char* reason);
    std::span<u8> buffer(int index);
    Result<u64> physical(u32 journal_block) const;
    Result<void> read_log(u32 journal_block, std::span<u8> out);
    Result<void> write_log(u32 journal_block, std::span<const u8> bytes);
    Result<void> write_journal_superblock();
    Result<void> set_needs_recovery(bool on, bool mark_errors = false);
    // The indices of the blocks to log, in order: the last copy of each block number.
    static Result<HeapArray<usize>> latest_copies(std::span<const DirtyBlock> blocks);
    Result<void> write_transaction(std::span<const DirtyBlock> all, std::span<const usize> latest, CommitTime time);
    void mark_superblock_copy(u64 block, std::span<u8> copy) const;
    u32 advance(u32 journal_block) const;
    bool inside_journal(u64 block) const;
    usize tags_per_descriptor() const;
    Result<void> walk(Pass pass, Walk& state);
    // One log block of each kind, in a walk; false ends the log there.
    Result<bool> scan_descriptor(Pass pass, Walk& state, std::span<const u8> descriptor, u32 sequence, u32* position);
    Result<bool> scan_commit(Pass pass, Walk& state, std::span<const u8> block);
    Result<bool> scan_revoke(Pass pass, Walk& state, std::span<const u8> block, u32 sequence);

    BlockDevice* m_device;
    Superblock m_sb;
    jbd2::JournalSuperblock m_jsb;
    HeapArray<Run> m_runs;
    HeapArray<u8> m_buffers;  // three blocks: journal superblock, descriptor, data
    bool m_started = false;
    bool m_aborted = false;
    Diagnosis m_diagnosis;
};

// Journal::open and replay() in one: what a mount does before reading a volume whose
// superblock says needs_recovery.
Result<ReplayReport> replay_journal(BlockDevice& device, Diagnosis* diagnosis = nullptr);

}  // namespace ext4
