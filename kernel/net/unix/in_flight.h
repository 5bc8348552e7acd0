// Files in flight: descriptors sent with SCM_RIGHTS and not received yet live in records
// in receive queues. An AF_UNIX socket sent that way, whose descriptors are then closed,
// may be reachable only from inside queues — its own (a socket sent over itself), or those
// of other sockets in the same situation — and would then keep itself alive for ever.
// Linux collects such cycles; so does this, the same way:
//
//   candidates: unix socket files whose every reference is a record in some queue;
//   a candidate referenced from a queue that is not a candidate's is reachable, and so is
//   everything in the queues of a reachable socket;
//   the records carrying files in the queues of the others are dropped, which closes them.
//
// The collector runs when a unix socket closes while any is in flight, and before a send
// of files once the count has doubled since the last run (and is above a floor). Above a
// hard limit that collecting cannot bring down, sending more is ETOOMANYREFS.
//
// The counts live on the files (UnixSocket::in_flight) and are guarded by the table lock.
#pragma once

#include "base/result.h"
#include "net/unix/record.h"

namespace net::af_unix::in_flight {

// Before a record carrying files is queued: counts its unix sockets as in flight.
Result<void> add(const Record& record);
// Files taken out of a queued record (by a receiver): no longer in flight.
void remove(RefPtr<fs::File>* files, u32 count);
// Frees a list of records (linked by `next`) that left their queues, taking their files
// out of flight first. With no lock held.
void discard(Record* records);
// A unix socket was closed.
void socket_closed();

}  // namespace net::af_unix::in_flight
