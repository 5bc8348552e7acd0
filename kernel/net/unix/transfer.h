// Moving records between AF_UNIX sockets, shared by streams, datagrams and connections:
// charging a sender, making a record of a message, what a receiver gets with it
// (descriptors, credentials), and what closing a socket does to its peer and its queue.
#pragma once

#include "net/unix/endpoint.h"

namespace net::af_unix {

// The credentials a sender attached (SCM_CREDENTIALS), if any, are acceptable: one's own,
// or anything for root (EPERM), valid ids (EINVAL), a pid that exists (ESRCH).
Result<void> check_attached_credentials(const Message& message);

// Waits until `sender` may queue `charge` more (its send buffer) and charges it `charge`
// and `bytes`. EPIPE when its sending side is shut down, its pending error, EAGAIN when it
// may not block or the deadline (TSC, 0: none) passed, ERESTARTSYS/EINTR on a signal.
Result<void> reserve_send_room(Endpoint& sender, usize charge, usize bytes, bool block, u64 deadline);

// A record of `length` bytes of the message from `offset`, charged to `sender` for what
// reserve_send_room reserved (given back if this fails), with the credentials the sender
// attached and, if `with_files`, its descriptors (counted in flight from now).
Result<Record*> make_record(Endpoint& sender, const Message& message, usize offset, usize length, bool with_files);
// The credentials SO_PASSCRED asks for, under the receiver's lock: attached when the sender
// (`sender_passes`) or the receiver has it, or the receiver is a connection not accepted
// yet (its file may get the option from accept).
void add_credentials_if_asked(Record& record, bool sender_passes, const Endpoint& receiver);
// Frees a record that was never queued (or a list taken from a queue).
void drop(Record* records);

// Hands the record's descriptors to the receive (or closes them when it asked for none),
// taking them out of flight. The caller holds the receiver's read_lock.
void deliver_files(Record& record, Message& message);
// MSG_PEEK: the receive gets new references; the record keeps its own.
void peek_files(const Record& record, Message& message);
// SCM_CREDENTIALS for a receiver with SO_PASSCRED: a record's, what a record sent with
// none reads as, or (nothing read: null) zeros.
void deliver_credentials(const CarriedCredentials* carried, Message& message);

// The socket's file is closed (or, `never_accepted`, the listener it waited on went away):
// it leaves the table, its queue is dropped, a connected peer sees the end (ECONNRESET if
// data was lost), connections waiting on a listener are refused.
void release(Endpoint& endpoint, bool never_accepted);
// Drops every record queued on the socket (a datagram socket whose peer changed or went
// away); false when there was none.
bool purge(Endpoint& endpoint);
// Datagram sockets connected to `receiver` may have become writable (it read from a full
// queue, or it is gone): tells their watchers.
void notify_datagram_senders(Endpoint& receiver);

}  // namespace net::af_unix
