#include "net/unix/transfer.h"

#include <new>

#include "net/unix/in_flight.h"
#include "net/unix/table.h"
#include "net/unix/unix_socket.h"

namespace net::af_unix {

Result<void> check_attached_credentials(const Message& message) {
    if (!message.ancillary || !message.ancillary->has_credentials) return {};
    return check_sent_credentials(message.ancillary->credentials);
}

Result<void> reserve_send_room(Endpoint& sender, usize charge, usize bytes, bool block, u64 deadline) {
    for (;;) {
        int error = 0;
        bool reserved = false;
        sender.locked([&] {
            if (sender.shutdown & kShutdownSend) {
                error = EPIPE;
            } else if (sender.error) {
                error = sender.error;
                sender.error = 0;
            } else if (sender.send_charge < sender.send_buffer) {
                // As Linux: room is checked before, so the last record may overshoot.
                sender.send_charge += charge;
                sender.send_bytes += bytes;
                reserved = true;
            }
        });
        if (error) return Error(error);
        if (reserved) return {};
        if (!block) return Error(EAGAIN);
        auto waited = sender.wait.wait_interruptible(
            [&] {
                return sender.send_charge < sender.send_buffer || (sender.shutdown & kShutdownSend) || sender.error;
            },
            deadline);
        if (waited.is_error()) return Error(waited.error() == ETIMEDOUT ? EAGAIN : waited.error());
    }
}

Result<Record*> make_record(Endpoint& sender, const Message& message, usize offset, usize length, bool with_files) {
    Record* record = Record::create(length);
    if (!record) {
        sender.discharge(length + kRecordOverhead, length);
        return Error(ENOBUFS);
    }
    record->sender = RefPtr<Endpoint>(&sender);
    record->charge = length + kRecordOverhead;
    if (length) {
        auto copied = message.source->copy_in(offset, record->data, length);
        if (copied.is_error()) {
            Record::destroy(record);
            return Error(copied.error());
        }
    }
    const Ancillary* ancillary = message.ancillary;
    if (!ancillary) return record;
    if (ancillary->has_credentials) {
        record->credentials = {true, ancillary->credentials};
    }
    if (with_files && ancillary->file_count) {
        record->files = new (std::nothrow) RefPtr<fs::File>[ancillary->file_count];
        if (!record->files) {
            Record::destroy(record);
            return Error(ENOMEM);
        }
        for (usize i = 0; i < ancillary->file_count; i++) record->files[i] = ancillary->files[i];
        record->file_count = static_cast<u32>(ancillary->file_count);
        auto counted = in_flight::add(*record);
        if (counted.is_error()) {
            delete[] record->files;  // not counted: dropped without the accounting
            record->files = nullptr;
            record->file_count = 0;
            Record::destroy(record);
            return Error(counted.error());
        }
    }
    return record;
}

void add_credentials_if_asked(Record& record, bool sender_passes, const Endpoint& receiver) {
    if (record.credentials.present) return;
    if (!sender_passes && !receiver.pass_credentials && !receiver.embryo) return;
    record.credentials = {true, current_credentials()};
}

void drop(Record* records) { in_flight::discard(records); }

void deliver_files(Record& record, Message& message) {
    u32 count = record.file_count;
    if (!count) return;
    if (message.ancillary) {
        record.take_files(message.ancillary->files);
        message.ancillary->file_count = count;
        in_flight::remove(message.ancillary->files, count);
        return;
    }
    // Nobody asked: the descriptors are closed, as Linux does.
    RefPtr<fs::File>* files = record.files;
    record.files = nullptr;
    record.file_count = 0;
    in_flight::remove(files, count);
    delete[] files;
}

void peek_files(const Record& record, Message& message) {
    if (!record.file_count || !message.ancillary) return;
    for (u32 i = 0; i < record.file_count; i++) message.ancillary->files[i] = record.files[i];
    message.ancillary->file_count = record.file_count;
}

void deliver_credentials(const CarriedCredentials* carried, Message& message) {
    if (!message.ancillary) return;
    message.ancillary->has_credentials = true;
    if (!carried) message.ancillary->credentials = {};
    else message.ancillary->credentials = carried->present ? carried->value : no_credentials();
}

void release(Endpoint& endpoint, bool never_accepted) {
    table::remove(endpoint);
    Record* queued = nullptr;
    RefPtr<Endpoint> peer;
    bool data_lost = false;
    endpoint.locked([&] {
        endpoint.dead = true;
        endpoint.shutdown = kShutdownBoth;
        endpoint.state = State::Unconnected;
        peer = static_cast<RefPtr<Endpoint>&&>(endpoint.peer);
        data_lost = !endpoint.queue.empty();
        queued = endpoint.queue.take_all();
    });
    endpoint.wait.wake_all();  // connectors and datagram senders waiting on it
    if (peer && endpoint.connection_oriented()) {
        peer->locked([&] {
            peer->shutdown = kShutdownBoth;
            if (data_lost || never_accepted) peer->error = ECONNRESET;
        });
        peer->changed();
    }
    if (endpoint.type == SOCK_DGRAM) notify_datagram_senders(endpoint);
    // A listener's queue holds connections nobody will accept now.
    for (Record* r = queued; r; r = r->next)
        if (r->connection) release(*r->connection, true);
    drop(queued);
}

bool purge(Endpoint& endpoint) {
    Record* queued;
    {
        MutexLocker reading(endpoint.read_lock);
        queued = endpoint.locked([&] { return endpoint.queue.take_all(); });
    }
    if (!queued) return false;
    drop(queued);
    endpoint.wait.wake_all();
    return true;
}

void notify_datagram_senders(Endpoint& receiver) {
    MutexLocker lock(table::lock());
    table::for_each([&](Endpoint& e) {
        if (e.type != SOCK_DGRAM || &e == &receiver) return;
        if (e.locked([&] { return e.peer.get() == &receiver; })) e.changed(kWriteEvents);
    });
}

}  // namespace net::af_unix
