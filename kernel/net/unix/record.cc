#include "net/unix/record.h"

#include <new>

#include "mm/heap.h"
#include "net/unix/endpoint.h"

namespace net::af_unix {

Record* Record::create(usize length) {
    auto memory = heap::allocate(sizeof(Record) + length, alignof(Record));
    if (memory.is_error()) return nullptr;
    auto* record = new (memory.value()) Record;
    record->length = length;
    record->data = reinterpret_cast<u8*>(record + 1);
    return record;
}

Record::~Record() { delete[] files; }

void Record::destroy(Record* record) {
    if (!record) return;
    if (record->sender) record->sender->discharge(record->charge, record->length);
    record->~Record();
    heap::free(record);
}

void Record::take_files(RefPtr<fs::File>* out) {
    for (u32 i = 0; i < file_count; i++) out[i] = static_cast<RefPtr<fs::File>&&>(files[i]);
    delete[] files;
    files = nullptr;
    file_count = 0;
}

void RecordQueue::push(Record* record) {
    record->next = nullptr;
    if (m_tail) m_tail->next = record;
    else m_head = record;
    m_tail = record;
    m_count++;
    m_bytes += record->remaining();
}

Record* RecordQueue::pop() {
    Record* record = m_head;
    if (!record) return nullptr;
    m_head = record->next;
    if (!m_head) m_tail = nullptr;
    m_count--;
    m_bytes -= record->remaining();
    record->next = nullptr;
    return record;
}

Record* RecordQueue::take_all() {
    Record* all = m_head;
    m_head = m_tail = nullptr;
    m_count = 0;
    m_bytes = 0;
    return all;
}

}  // namespace net::af_unix
