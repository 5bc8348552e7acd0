// Opening the journal and writing transactions; replay is in journal_replay.cc.
#include "ext4/journal.h"

#include <algorithm>
#include <cstring>

#include "ext4/bytes.h"
#include "ext4/volume.h"

namespace ext4 {

namespace {

constexpr usize kSuperblockState = 0x3A, kSuperblockIncompat = 0x60, kSuperblockRoCompat = 0x64, kSuperblockChecksum = 0x3FC;
constexpr u16 kStateErrors = 0x2;  // s_state: errors detected (EXT4_ERROR_FS)
constexpr int kJournalSuperblockBuffer = 0, kMetaBuffer = 1, kDataBuffer = 2, kBufferCount = 3;

// Where the ext4 superblock's 1024 bytes lie: block 1 with 1 KiB blocks, else inside block 0.
u64 superblock_block(u32 block_size) { return block_size == 1024 ? 1 : 0; }
usize superblock_offset(u32 block_size) { return block_size == 1024 ? 0 : usize(kSuperblockOffset); }

// Sets or clears INCOMPAT_RECOVER in the superblock's bytes, perhaps sets the "errors"
// state, and redoes the checksum.
void set_recover_flag(std::span<u8> sb, bool on, bool mark_errors = false) {
    u32 incompat = le32(sb, kSuperblockIncompat);
    incompat = on ? incompat | incompat::kRecover : incompat & ~incompat::kRecover;
    put32(sb, kSuperblockIncompat, incompat);
    if (mark_errors) put16(sb, kSuperblockState, u16(le16(sb, kSuperblockState) | kStateErrors));
    if (le32(sb, kSuperblockRoCompat) & ro_compat::kMetadataCsum)
        put32(sb, kSuperblockChecksum, superblock_checksum(sb));
}

}  // namespace

Error Journal::refuse(int code, const char* reason) {
    m_diagnosis.reason = reason;
    return Error(code);
}

std::span<u8> Journal::buffer(int index) {
    return m_buffers.span().subspan(usize(index) * m_sb.block_size, m_sb.block_size);
}

Result<Journal> Journal::open(BlockDevice& device, Diagnosis* diagnosis) {
    auto fail = [&](int code, const char* reason) {
        if (diagnosis) diagnosis->reason = reason;
        return Error(code);
    };
    Volume volume = TRY(Volume::open(device, diagnosis));
    const Superblock& sb = volume.superblock();
    if (!sb.has_compat(compat::kHasJournal)) return fail(ENOENT, "volume has no journal");
    if (sb.journal_inode == 0) return fail(EINVAL, "external journal device not supported");

    Journal journal(device, sb);
    auto scratch = TRY(HeapArray<u8>::create(volume.scratch_size()));
    auto read = volume.read_inode(sb.journal_inode, scratch.span());
    if (read.is_error()) return fail(read.error(), volume.diagnosis().ok() ? "journal inode unreadable" : volume.diagnosis().reason);
    const Inode& inode = read.value();
    u64 inode_blocks = inode.size / sb.block_size;
    if (!inode.is_regular() || inode_blocks == 0) return fail(EINVAL, "journal inode is not a file");
    if (inode_blocks > (u64(1) << 32)) return fail(EINVAL, "journal inode too large");

    // The journal's map as runs of contiguous blocks: counted, then kept.
    Diagnosis why;
    auto counted = collect_runs(volume, inode, inode_blocks, scratch.span(), {}, &why);
    if (counted.is_error()) return fail(counted.error(), why.reason);
    journal.m_runs = TRY(HeapArray<Run>::create(counted.value()));
    auto kept = collect_runs(volume, inode, inode_blocks, scratch.span(), journal.m_runs.span(), &why);
    if (kept.is_error()) return fail(kept.error(), why.reason);
    if (kept.value() != counted.value()) return fail(EIO, "journal map changed while read");

    journal.m_buffers = TRY(HeapArray<u8>::create(kBufferCount * usize(sb.block_size)));
    auto jsb_bytes = journal.buffer(kJournalSuperblockBuffer);
    TRY(journal.read_log(0, jsb_bytes));
    journal.m_jsb = TRY(jbd2::parse_journal_superblock(jsb_bytes, sb.block_size, inode_blocks, diagnosis));
    return journal;
}

Result<usize> Journal::collect_runs(Volume& volume, const Inode& inode, u64 blocks, std::span<u8> scratch,
                                    std::span<Run> runs, Diagnosis* why) {
    auto fail = [&](int code, const char* reason) {
        why->reason = volume.diagnosis().ok() ? reason : volume.diagnosis().reason;
        return Error(code);
    };
    const Superblock& sb = volume.superblock();
    usize count = 0;
    Run last;
    for (u64 logical = 0; logical < blocks;) {
        auto mapped = volume.map_block(inode, logical, scratch);
        if (mapped.is_error()) return fail(mapped.error(), "journal unmappable");
        BlockMapping m = mapped.value();
        if (m.is_hole() || m.unwritten) return fail(EINVAL, "journal inode has a hole");
        u64 length = m.length < blocks - logical ? m.length : blocks - logical;
        if (m.physical >= sb.blocks_count || length > sb.blocks_count - m.physical)
            return fail(EINVAL, "journal block outside the volume");
        if (count > 0 && last.physical + last.length == m.physical) {
            last.length += length;
        } else {
            count++;
            last = Run{logical, m.physical, length};
        }
        if (!runs.empty()) {
            if (count > runs.size()) return fail(EIO, "journal map changed while read");
            runs[count - 1] = last;
        }
        logical += length;
    }
    return count;
}

Result<u64> Journal::physical(u32 journal_block) const {
    // Runs are sorted by logical block and few (usually one): a binary search.
    usize low = 0, high = m_runs.size();
    while (low < high) {
        usize middle = (low + high) / 2;
        const Run& run = m_runs[middle];
        if (journal_block < run.logical) {
            high = middle;
        } else if (journal_block >= run.logical + run.length) {
            low = middle + 1;
        } else {
            return run.physical + (journal_block - run.logical);
        }
    }
    return Error(EINVAL);
}

Result<void> Journal::read_log(u32 journal_block, std::span<u8> out) {
    u64 block = TRY(physical(journal_block));
    return m_device->read(block * m_sb.block_size, out.first(m_sb.block_size));
}

Result<void> Journal::write_log(u32 journal_block, std::span<const u8> bytes) {
    u64 block = TRY(physical(journal_block));
    return m_device->write(block * m_sb.block_size, bytes.first(m_sb.block_size));
}

Result<void> Journal::write_journal_superblock() {
    // Read again rather than trusting the buffer: a replay pass may have used it.
    auto bytes = buffer(kJournalSuperblockBuffer);
    TRY(read_log(0, bytes));
    jbd2::encode_journal_superblock(m_jsb, bytes);
    return write_log(0, bytes);
}

Result<void> Journal::set_needs_recovery(bool on, bool mark_errors) {
    auto block = buffer(kMetaBuffer);
    u64 number = superblock_block(m_sb.block_size);
    TRY(m_device->read(number * m_sb.block_size, block));
    set_recover_flag(block.subspan(superblock_offset(m_sb.block_size), kSuperblockSize), on, mark_errors);
    TRY(m_device->write(number * m_sb.block_size, block));
    return m_device->flush();
}

void Journal::mark_superblock_copy(u64 block, std::span<u8> copy) const {
    if (block != superblock_block(m_sb.block_size)) return;
    auto sb = copy.subspan(superblock_offset(m_sb.block_size), kSuperblockSize);
    if (le16(sb, 0x38) != kMagic) return;  // not a superblock after all: leave the caller's bytes
    if (!(le32(sb, kSuperblockIncompat) & incompat::kRecover)) set_recover_flag(sb, true);
}

bool Journal::inside_journal(u64 block) const {
    for (const Run& run : m_runs.span())
        if (block >= run.physical && block - run.physical < run.length) return true;
    return false;
}

u32 Journal::advance(u32 journal_block) const {
    journal_block++;
    return journal_block >= m_jsb.last() ? m_jsb.first : journal_block;
}

usize Journal::tags_per_descriptor() const {
    // The first tag carries the journal's 16-byte UUID, the rest say "same UUID".
    usize room = m_sb.block_size - jbd2::kHeaderSize - m_jsb.tail_size() - 16;
    return room / m_jsb.tag_size();
}

u64 Journal::max_transaction_blocks() const {
    u64 ring = m_jsb.last() - m_jsb.first;
    u64 per = tags_per_descriptor();
    // n blocks need ceil(n / per) descriptors and a commit block.
    u64 n = (ring - 1) * per / (per + 1);
    while (n > 0 && (n + per - 1) / per + n + 1 > ring) n--;
    return n;
}

Result<void> Journal::start() {
    if (m_aborted) return refuse(EIO, "journal aborted after a failed write");
    if (m_started) return {};
    if (!m_jsb.empty()) return refuse(EINVAL, "journal needs recovery");
    if (m_jsb.errno_value != 0) return refuse(EIO, "journal was aborted (s_errno set): run e2fsck");
    if (m_jsb.block_type != jbd2::block_type::kSuperblockV2) return refuse(EINVAL, "journal superblock v1 not written");
    if (m_jsb.feature_ro_compat != 0) return refuse(EROFS, "unknown journal read-only feature");

    // The features Linux's ext4 turns on at a rw mount (ext4_fill_super, set_journal_csum_feature_set).
    m_jsb.feature_incompat |= jbd2::incompat::kRevoke;
    if (m_sb.is_64bit()) m_jsb.feature_incompat |= jbd2::incompat::k64Bit;
    m_jsb.feature_compat &= ~jbd2::compat::kChecksum;  // v1 sums are not written here
    if (m_sb.metadata_csum()) {
        m_jsb.feature_incompat = (m_jsb.feature_incompat & ~jbd2::incompat::kCsumV2) | jbd2::incompat::kCsumV3;
        m_jsb.checksum_type = jbd2::kChecksumTypeCrc32c;
    }

    // needs_recovery first: a journal with a start but no flag is what e2fsck calls corrupt.
    // One past the recorded sequence, as jbd2 does: stale blocks of an interrupted
    // transaction may still carry that one.
    m_jsb.sequence++;
    m_jsb.start = m_jsb.first;
    auto started = [&]() -> Result<void> {
        TRY(set_needs_recovery(true));
        TRY(write_journal_superblock());
        return m_device->flush();
    }();
    // Half started, the disk may say either; the next mount's replay knows which.
    if (started.is_error()) m_aborted = true;
    m_started = started.is_ok();
    return started;
}

Result<void> Journal::stop() {
    if (m_aborted) return refuse(EIO, "journal aborted after a failed write");
    if (!m_started) return {};
    m_jsb.start = 0;
    TRY(write_journal_superblock());
    TRY(m_device->flush());
    TRY(set_needs_recovery(false));
    m_started = false;
    return {};
}

Result<void> Journal::commit(std::span<const DirtyBlock> blocks, CommitTime time) {
    if (m_aborted) return refuse(EIO, "journal aborted after a failed write");
    if (!m_started) return refuse(EINVAL, "journal not started");
    if (blocks.empty()) return {};
    for (const DirtyBlock& dirty : blocks) {
        if (dirty.bytes.size() != m_sb.block_size) return refuse(EINVAL, "dirty block of the wrong size");
        if (dirty.block >= m_sb.blocks_count) return refuse(EINVAL, "dirty block outside the volume");
        if (inside_journal(dirty.block)) return refuse(EINVAL, "dirty block inside the journal");
        if (!m_jsb.is_64bit() && dirty.block > 0xFFFFFFFFu)
            return refuse(EINVAL, "dirty block beyond 32 bits");
    }
    // Batched operations may name a block more than once: only its last copy is logged.
    auto latest = TRY(latest_copies(blocks));
    if (latest.size() > max_transaction_blocks()) return refuse(E2BIG, "transaction larger than the journal");
    // Past this point a failure leaves the ring in a state only a replay understands (a
    // retry under the same sequence could mix with the half-written one): like jbd2's
    // abort, refuse every later write and leave needs_recovery set.
    auto written = write_transaction(blocks, latest.span(), time);
    if (written.is_error()) m_aborted = true;
    return written;
}

Result<HeapArray<usize>> Journal::latest_copies(std::span<const DirtyBlock> blocks) {
    auto order = TRY(HeapArray<usize>::create(blocks.size()));
    for (usize i = 0; i < blocks.size(); i++) order[i] = i;
    auto view = order.span();
    std::sort(view.begin(), view.end(), [&](usize a, usize b) {
        return blocks[a].block != blocks[b].block ? blocks[a].block < blocks[b].block : a < b;
    });
    auto superseded = TRY(HeapArray<bool>::create(blocks.size()));
    usize kept = blocks.size();
    for (usize i = 0; i + 1 < blocks.size(); i++) {
        if (blocks[order[i]].block == blocks[order[i + 1]].block) {
            superseded[order[i]] = true;
            kept--;
        }
    }
    auto latest = TRY(HeapArray<usize>::create(kept));
    for (usize i = 0, k = 0; i < blocks.size(); i++)
        if (!superseded[i]) latest[k++] = i;
    return latest;
}

Result<void> Journal::write_transaction(std::span<const DirtyBlock> all, std::span<const usize> latest,
                                        CommitTime time) {
    auto block = [&](usize i) -> const DirtyBlock& { return all[latest[i]]; };

    const u32 sequence = m_jsb.sequence;
    const u32 seed = m_jsb.checksum_seed();
    const bool checksums = m_jsb.csum_v2or3();
    const usize size = m_sb.block_size;
    const usize per = tags_per_descriptor();
    const usize log_blocks = latest.size() + (latest.size() + per - 1) / per;

    // The log as it lies in the ring, built whole in `image` (each descriptor block, then
    // the copies it names) and written in one batch: the requests are in flight together,
    // and blocks next to each other both on disk and in `image` go as one. Only the flush
    // below orders anything.
    auto image = TRY(HeapArray<u8>::create(log_blocks * size));
    auto writes = TRY(HeapArray<BlockWrite>::create(log_blocks > latest.size() ? log_blocks : latest.size()));
    usize write_count = 0;
    auto add_write = [&](u64 offset, std::span<const u8> bytes) {
        if (write_count > 0) {
            BlockWrite& last = writes[write_count - 1];
            if (last.offset + last.bytes.size() == offset && last.bytes.data() + last.bytes.size() == bytes.data()) {
                last.bytes = {last.bytes.data(), last.bytes.size() + bytes.size()};
                return;
            }
        }
        writes[write_count++] = {offset, bytes};
    };
    u32 position = m_jsb.first;
    usize used = 0;  // blocks of `image` filled
    for (usize i = 0; i < latest.size();) {
        usize count = latest.size() - i < per ? latest.size() - i : per;
        std::span<u8> descriptor = image.span().subspan(used++ * size, size);
        jbd2::write_header(descriptor, jbd2::block_type::kDescriptor, sequence);
        add_write(TRY(physical(position)) * size, descriptor);
        position = advance(position);
        usize offset = jbd2::kHeaderSize;
        for (usize k = 0; k < count; k++) {
            const DirtyBlock& dirty = block(i + k);
            std::span<u8> logged = image.span().subspan(used++ * size, size);
            std::memcpy(logged.data(), dirty.bytes.data(), size);
            mark_superblock_copy(dirty.block, logged);
            jbd2::Tag tag{dirty.block, 0, 0};
            if (jbd2::be32(logged, 0) == jbd2::kMagic) {
                // Replay would take this copy for a journal block: store zeros, flag it.
                jbd2::put_be32(logged, 0, 0);
                tag.flags |= jbd2::kFlagEscape;
            }
            if (k > 0) tag.flags |= jbd2::kFlagSameUuid;
            if (k + 1 == count) tag.flags |= jbd2::kFlagLastTag;
            if (checksums) tag.checksum = jbd2::data_block_checksum(seed, sequence, logged);
            if (!m_jsb.has_incompat(jbd2::incompat::kCsumV3)) tag.checksum &= 0xFFFF;
            jbd2::write_tag(m_jsb, tag, descriptor.subspan(offset));
            offset += m_jsb.tag_size();
            if (k == 0) {
                std::memcpy(descriptor.data() + offset, m_jsb.uuid, 16);
                offset += 16;
            }
            add_write(TRY(physical(position)) * size, logged);
            position = advance(position);
        }
        if (checksums)
            jbd2::put_be32(descriptor, descriptor.size() - 4, jbd2::block_tail_checksum(seed, descriptor));
        i += count;
    }
    TRY(m_device->write_all({writes.span().data(), write_count}));
    TRY(m_device->flush());

    // The commit block: once it is on disk the transaction happened.
    auto commit = buffer(kMetaBuffer);
    std::memset(commit.data(), 0, commit.size());
    jbd2::write_header(commit, jbd2::block_type::kCommit, sequence);
    jbd2::put_be64(commit, jbd2::kCommitSeconds, time.seconds);
    jbd2::put_be32(commit, jbd2::kCommitNanoseconds, time.nanoseconds);
    if (checksums) jbd2::put_be32(commit, jbd2::kCommitChecksum, jbd2::commit_block_checksum(seed, commit));
    TRY(write_log(position, commit));
    TRY(m_device->flush());

    // Checkpoint: every block home, in one batch, from the transaction's own copies (not
    // the logged ones, which may be escaped); the superblock's block with the recover flag
    // its logged copy has, from a buffer of its own.
    write_count = 0;
    auto superblock = buffer(kDataBuffer);
    for (usize i = 0; i < latest.size(); i++) {
        const DirtyBlock& dirty = block(i);
        std::span<const u8> home = dirty.bytes.first(size);
        if (dirty.block == superblock_block(m_sb.block_size)) {
            std::memcpy(superblock.data(), dirty.bytes.data(), size);
            mark_superblock_copy(dirty.block, superblock);
            home = superblock;
        }
        writes[write_count++] = {dirty.block * size, home};
    }
    TRY(m_device->write_all({writes.span().data(), write_count}));
    TRY(m_device->flush());
    // Not flushed here: until it is durable, a crash replays this transaction again,
    // which rewrites the same bytes; the next commit's first flush carries it.
    m_jsb.sequence = sequence + 1;
    return write_journal_superblock();
}

}  // namespace ext4
