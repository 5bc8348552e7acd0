// Journal recovery: three walks over the log from s_start, as fs/jbd2/recovery.c does.
#include "ext4/journal.h"

#include "ext4/revoke_table.h"

namespace ext4 {

namespace {
constexpr int kReplayMetaBuffer = 1, kReplayDataBuffer = 2;
}

struct Journal::Walk {
    ReplayReport report;
    u32 end = 0;     // the first transaction not to replay, known after the scan
    u64 budget = 0;  // log blocks this walk may still visit
    u32 crc = ~0u;   // checksum v1 of the transaction so far
    jbd2::RevokeTable revokes;

    // Ends the scan: the transaction under way is not replayed.
    bool stop(const char* reason) {
        report.stopped_by = reason;
        return false;
    }
    // Ends the scan at a commit block that is there but wrong: with the log flushed before
    // each commit block, not what a crash leaves.
    bool corrupt(const char* reason) {
        report.corrupt = true;
        return stop(reason);
    }
};

Result<bool> Journal::scan_descriptor(Pass pass, Walk& state, std::span<const u8> descriptor, u32 sequence,
                                      u32* position) {
    const u32 seed = m_jsb.checksum_seed();
    const usize tail = m_jsb.tail_size();
    const bool v1 = (m_jsb.feature_compat & jbd2::compat::kChecksum) != 0;
    if (pass == Pass::Scan) {
        if (tail && jbd2::block_tail_checksum(seed, descriptor) != jbd2::be32(descriptor, descriptor.size() - 4))
            return state.stop("descriptor block checksum mismatch");
        if (v1) state.crc = jbd2::crc32_be(state.crc, descriptor);
    }
    auto data = buffer(kReplayDataBuffer);
    for (usize offset = jbd2::kHeaderSize; offset + m_jsb.tag_size() <= descriptor.size() - tail;) {
        jbd2::Tag tag = jbd2::read_tag(m_jsb, descriptor.subspan(offset));
        offset += m_jsb.tag_size();
        if (!(tag.flags & jbd2::kFlagSameUuid)) offset += 16;
        if (state.budget == 0) return state.stop("log longer than the ring");
        state.budget--;
        u32 logged_at = *position;
        *position = advance(*position);

        if (pass == Pass::Scan) {
            if (tag.block >= m_sb.blocks_count) return state.stop("tag names a block outside the volume");
            if (inside_journal(tag.block)) return state.stop("tag names a block of the journal");
            if (m_jsb.csum_v2or3() || v1) {
                TRY(read_log(logged_at, data));
                if (m_jsb.csum_v2or3()) {
                    u32 sum = jbd2::data_block_checksum(seed, sequence, data);
                    if (!m_jsb.has_incompat(jbd2::incompat::kCsumV3)) sum &= 0xFFFF;
                    if (sum != tag.checksum) return state.stop("logged block checksum mismatch");
                }
                if (v1) state.crc = jbd2::crc32_be(state.crc, data);
            }
        } else if (pass == Pass::Replay) {
            if (state.revokes.revoked(tag.block, sequence)) {
                state.report.blocks_revoked++;
            } else {
                TRY(read_log(logged_at, data));
                if (tag.flags & jbd2::kFlagEscape) jbd2::put_be32(data, 0, jbd2::kMagic);
                TRY(m_device->write(tag.block * m_sb.block_size, data));
                state.report.blocks_replayed++;
            }
        }
        if (tag.flags & jbd2::kFlagLastTag) break;
    }
    return true;
}

Result<bool> Journal::scan_commit(Pass pass, Walk& state, std::span<const u8> block) {
    if (pass != Pass::Scan) return true;
    if (m_jsb.csum_v2or3() &&
        jbd2::commit_block_checksum(m_jsb.checksum_seed(), block) != jbd2::be32(block, jbd2::kCommitChecksum))
        return state.corrupt("commit block checksum mismatch");
    if (m_jsb.feature_compat & jbd2::compat::kChecksum) {
        u8 type = block[jbd2::kCommitChecksumType], size = block[jbd2::kCommitChecksumSize];
        u32 found = jbd2::be32(block, jbd2::kCommitChecksum);
        bool matches = type == jbd2::kCrc32ChecksumType && size == jbd2::kCrc32ChecksumSize && found == state.crc;
        bool unused = type == 0 && size == 0 && found == 0;
        if (!matches && !unused) return state.corrupt("transaction crc32 mismatch");
        state.crc = ~0u;
    }
    state.report.transactions++;
    return true;
}

Result<bool> Journal::scan_revoke(Pass pass, Walk& state, std::span<const u8> block, u32 sequence) {
    const usize tail = m_jsb.tail_size();
    const usize record = m_jsb.is_64bit() ? 8 : 4;
    u32 used = jbd2::be32(block, jbd2::kRevokeCount);
    if (pass == Pass::Scan) {
        if (tail && jbd2::block_tail_checksum(m_jsb.checksum_seed(), block) != jbd2::be32(block, block.size() - 4))
            return state.stop("revoke block checksum mismatch");
        if (used < jbd2::kRevokeRecords || used > block.size() - tail) return state.stop("revoke block malformed");
        state.report.revoke_records += (used - jbd2::kRevokeRecords) / record;
    } else if (pass == Pass::Revoke) {
        for (usize at = jbd2::kRevokeRecords; at + record <= used; at += record) {
            u64 revoked = record == 8 ? jbd2::be64(block, at) : jbd2::be32(block, at);
            TRY(state.revokes.set(revoked, sequence));
        }
    }
    return true;
}

Result<void> Journal::walk(Pass pass, Walk& state) {
    u32 sequence = m_jsb.sequence;
    u32 position = m_jsb.start;
    state.budget = m_jsb.last() - m_jsb.first;
    state.crc = ~0u;
    auto block = buffer(kReplayMetaBuffer);
    for (;;) {
        if (pass != Pass::Scan && !jbd2::tid_after(state.end, sequence)) break;
        if (state.budget == 0) {
            state.stop("log longer than the ring");
            break;
        }
        state.budget--;
        TRY(read_log(position, block));
        position = advance(position);
        jbd2::Header header;
        if (!jbd2::read_header(block, &header) || header.sequence != sequence) {
            state.stop("end of log");
            break;
        }
        bool more = false;
        switch (header.type) {
        case jbd2::block_type::kDescriptor:
            more = TRY(scan_descriptor(pass, state, block, sequence, &position));
            break;
        case jbd2::block_type::kCommit:
            more = TRY(scan_commit(pass, state, block));
            if (more) sequence++;
            break;
        case jbd2::block_type::kRevoke:
            more = TRY(scan_revoke(pass, state, block, sequence));
            break;
        default:
            more = state.stop("unknown journal block type");
            break;
        }
        if (!more) break;
    }
    if (pass == Pass::Scan) {
        state.end = sequence;
    } else if (state.end != sequence) {
        // The passes read the same blocks; a device that answers differently is broken.
        return refuse(EIO, "journal changed during replay");
    }
    return {};
}

Result<ReplayReport> Journal::replay() {
    if (m_started) return refuse(EBUSY, "journal is started");
    Walk state;
    state.report.first_transaction = m_jsb.sequence;
    state.report.end_transaction = m_jsb.sequence;
    state.report.journal_errno = m_jsb.errno_value;
    if (m_jsb.empty()) {
        state.report.was_empty = true;
        // What a crash inside stop() leaves: the journal empty, the flag still set.
        if (m_sb.needs_recovery()) TRY(set_needs_recovery(false));
        m_sb.feature_incompat &= ~incompat::kRecover;
        return state.report;
    }
    if (m_jsb.has_incompat(jbd2::incompat::kFastCommit))
        return refuse(EINVAL, "journal with fast commits needs ext4's fast-commit replay (not supported)");

    TRY(walk(Pass::Scan, state));
    state.report.end_transaction = state.end;
    const char* stopped_by = state.report.stopped_by;
    if (!m_sb.needs_recovery()) {
        // The volume does not ask for recovery: Linux (ext4_load_journal, then
        // jbd2_journal_wipe) drops the log unreplayed, and so does this. e2fsck asks
        // instead and, told yes, replays.
        state.report.discarded = state.report.transactions;
        state.report.transactions = 0;
    } else {
        if (state.report.revoke_records > 0) {
            state.revokes = TRY(jbd2::RevokeTable::create(state.report.revoke_records));
            TRY(walk(Pass::Revoke, state));
        }
        TRY(walk(Pass::Replay, state));
        TRY(m_device->flush());
        state.report.stopped_by = stopped_by;  // the later passes stop where the scan said
    }


    // The journal empty, past every transaction seen (and the one cut short), and only
    // then the flag cleared: a crash in between replays again, which is harmless.
    m_jsb.sequence = state.end + 1;
    m_jsb.start = 0;
    TRY(write_journal_superblock());
    TRY(m_device->flush());
    // A corrupt transaction marks the volume as having errors, as e2fsck does, so that the
    // next check is a full one.
    TRY(set_needs_recovery(false, state.report.corrupt && !state.report.discarded));
    m_sb.feature_incompat &= ~incompat::kRecover;
    return state.report;
}

Result<ReplayReport> replay_journal(BlockDevice& device, Diagnosis* diagnosis) {
    Journal journal = TRY(Journal::open(device, diagnosis));
    auto report = journal.replay();
    if (report.is_error() && diagnosis) *diagnosis = journal.diagnosis();
    return report;
}

}  // namespace ext4
