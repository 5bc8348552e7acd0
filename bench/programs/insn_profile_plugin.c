// A QEMU TCG plugin that counts how many times the guest executes each instruction, by
// guest virtual address, and writes the counts when QEMU exits: one line per address,
// "ADDRESS COUNT DISASSEMBLY", in address order. bench/insn_profile.sh maps the kernel's
// addresses to symbols; a loop run N times shows up as the instructions counted N times
// (the syscall path of getpid, instruction by instruction: docs/performance.md).
//
//   qemu-system-x86_64 ... -plugin /path/insn_profile_plugin.so,out=FILE
//
// Each instruction gets an inline add into its own counter, so an instruction counts only
// when it runs (a translation block an interrupt leaves early does not count its rest). A
// `rep` string instruction counts once per iteration, as under -icount. Addresses are
// virtual: two processes' programs at the same address share a counter. One vCPU: the
// adds are not atomic.
//
// The plugin API's declarations are in qemu_plugin_api.h (Debian ships no header for it).
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

EXPORT int qemu_plugin_version = 1;

// An open-addressing table of counters keyed by address. It never moves a slot once made
// (generated code holds pointers into it): when it fills up, further addresses go uncounted
// and the output says how many were dropped.
struct slot {
    uint64_t address;
    uint64_t count;
    char *disassembly;
};
enum { kSlots = 1 << 21 };
static struct slot *slots;
static uint64_t dropped;
static char out_path[4096];

static struct slot *slot_for(uint64_t address) {
    uint64_t i = (address * 0x9e3779b97f4a7c15ull) >> 43;  // 21 bits
    for (int probes = 0; probes < 64; probes++, i = (i + 1) & (kSlots - 1)) {
        if (slots[i].disassembly && slots[i].address == address) return &slots[i];
        if (!slots[i].disassembly) {
            slots[i].address = address;
            return &slots[i];
        }
    }
    return NULL;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        struct slot *slot = slot_for(qemu_plugin_insn_vaddr(insn));
        if (!slot) {
            dropped++;
            continue;
        }
        if (!slot->disassembly) slot->disassembly = qemu_plugin_insn_disas(insn);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &slot->count, 1);
    }
}

static int by_address(const void *a, const void *b) {
    const struct slot *x = a, *y = b;
    return (x->address > y->address) - (x->address < y->address);
}

static void write_profile(qemu_plugin_id_t id, void *unused) {
    (void)id, (void)unused;
    size_t used = 0;
    for (size_t i = 0; i < kSlots; i++)
        if (slots[i].disassembly && slots[i].count) slots[used++] = slots[i];
    qsort(slots, used, sizeof *slots, by_address);
    FILE *out = fopen(out_path, "w");
    if (!out) return;
    for (size_t i = 0; i < used; i++)
        fprintf(out, "%016" PRIx64 " %" PRIu64 " %s\n", slots[i].address, slots[i].count, slots[i].disassembly);
    if (dropped) fprintf(out, "# %" PRIu64 " translated instructions not counted: the table was full\n", dropped);
    fclose(out);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
            continue;
        }
        qemu_plugin_outs("insn_profile_plugin: unknown option (expected out=FILE)\n");
        return -1;
    }
    if (!out_path[0]) {
        qemu_plugin_outs("insn_profile_plugin: out=FILE is required\n");
        return -1;
    }
    slots = calloc(kSlots, sizeof *slots);
    if (!slots) return -1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_profile, NULL);
    return 0;
}
