// A QEMU TCG plugin that records every translation: when (the host's CLOCK_MONOTONIC, in
// ns), the guest virtual address of the block's first instruction and how many
// instructions it holds, one line per block in the order QEMU translated them, written
// when QEMU exits: "NS ADDRESS INSTRUCTIONS". bench/startup_translation.sh turns it into
// where the start-up's wall time goes (docs/performance.md, issue 17): under TCG a start-up
// runs mostly code it runs once, and translating it is most of the guest's time.
//
//   qemu-system-x86_64 ... -plugin /path/tb_trace_plugin.so,out=FILE
//
// A block translated again (after a TLB flush of its page, or code written) counts again:
// that is translation work too. The callback costs a clock read per block, which slows
// the run by a few percent; the order and the counts are exact.
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qemu_plugin_api.h"

EXPORT int qemu_plugin_version = 1;

struct block {
    uint64_t ns, address;
    uint32_t instructions;
};
enum { kBlocks = 1 << 21 };  // a start-up translates tens of thousands
static struct block *blocks;
static size_t used;
static uint64_t dropped;
static char out_path[4096];

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (n == 0) return;
    if (used == kBlocks) {
        dropped++;
        return;
    }
    blocks[used++] = (struct block){now_ns(), qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, 0)), (uint32_t)n};
}

static void write_trace(qemu_plugin_id_t id, void *unused) {
    (void)id, (void)unused;
    FILE *out = fopen(out_path, "w");
    if (!out) return;
    for (size_t i = 0; i < used; i++)
        fprintf(out, "%" PRIu64 " %016" PRIx64 " %u\n", blocks[i].ns, blocks[i].address, blocks[i].instructions);
    if (dropped) fprintf(out, "# %" PRIu64 " translations not recorded: the buffer was full\n", dropped);
    fclose(out);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
            continue;
        }
        qemu_plugin_outs("tb_trace_plugin: unknown option (expected out=FILE)\n");
        return -1;
    }
    if (!out_path[0]) {
        qemu_plugin_outs("tb_trace_plugin: out=FILE is required\n");
        return -1;
    }
    blocks = calloc(kBlocks, sizeof *blocks);
    if (!blocks) return -1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_trace, NULL);
    return 0;
}
