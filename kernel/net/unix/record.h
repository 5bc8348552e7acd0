// What an AF_UNIX receive queue holds (Linux's skb): a datagram, a seqpacket record, a
// piece of a byte stream, or — on a listener — a connection waiting for accept. Each record
// carries what was attached to it (SCM_RIGHTS files, credentials) and is charged to the
// socket that sent it until it is freed, which is how a sender's SO_SNDBUF bounds what it
// has queued at its peers.
#pragma once

#include "fs/file.h"
#include "lib/ref_counted.h"
#include "net/socket.h"

namespace net::af_unix {

class Endpoint;

// The credentials a record carries (SCM_CREDENTIALS, or because SO_PASSCRED asked).
struct CarriedCredentials {
    bool present = false;
    Credentials value;
    bool operator==(const CarriedCredentials& other) const {
        if (present != other.present) return false;
        return !present ||
               (value.pid == other.value.pid && value.uid == other.value.uid && value.gid == other.value.gid);
    }
};

struct Record {
    Record* next = nullptr;           // in its queue
    RefPtr<Endpoint> sender;          // charged for `charge` / `length` until freed (null: none)
    usize charge = 0;
    RefPtr<Endpoint> connection;      // a listener's queue: the new connection's own end
    RefPtr<fs::File>* files = nullptr;  // SCM_RIGHTS, `file_count` of them (own array)
    u32 file_count = 0;
    CarriedCredentials credentials;
    usize length = 0;                 // bytes of data
    usize consumed = 0;               // streams: bytes already read
    u8* data = nullptr;               // `length` bytes, in the same allocation

    // Null when out of memory.
    static Record* create(usize length);
    // Frees it: gives the charge back to the sender (waking its writers) and drops the
    // files. Never with a lock held: dropping a file may close a socket.
    static void destroy(Record* record);

    usize remaining() const { return length - consumed; }
    // Moves the files out (to a receiver); the record keeps none.
    void take_files(RefPtr<fs::File>* out);

private:
    Record() = default;
    ~Record();
};

// A FIFO of records; the owner's lock guards it.
class RecordQueue {
public:
    Record* front() const { return m_head; }
    bool empty() const { return m_head == nullptr; }
    usize count() const { return m_count; }
    // Unread bytes of every record (FIONREAD of a stream).
    usize bytes() const { return m_bytes; }

    void push(Record* record);
    Record* pop();
    // The bytes a reader consumed from the front record.
    void consumed(usize n) { m_bytes -= n; }
    // Everything, as a list linked by `next` (the queue is left empty).
    Record* take_all();
    // Removes the records `take` selects, returned as a list linked by `next`.
    template <typename Take>
    Record* take_if(Take take);

private:
    Record* m_head = nullptr;
    Record* m_tail = nullptr;
    usize m_count = 0;
    usize m_bytes = 0;
};

template <typename Take>
Record* RecordQueue::take_if(Take take) {
    Record* taken = nullptr;
    Record** taken_tail = &taken;
    Record** link = &m_head;
    Record* previous = nullptr;
    while (Record* r = *link) {
        if (!take(*r)) {
            previous = r;
            link = &r->next;
            continue;
        }
        *link = r->next;
        if (m_tail == r) m_tail = previous;
        m_count--;
        m_bytes -= r->remaining();
        r->next = nullptr;
        *taken_tail = r;
        taken_tail = &r->next;
    }
    return taken;
}

}  // namespace net::af_unix
