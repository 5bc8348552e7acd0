// A QEMU TCG plugin that counts the instructions the guest executes, for the network
// figures' "instructions per request" (bench/net_figures.sh). Each time a byte arrives on
// the FIFO CONTROL, the count so far is appended as one line to the file OUT; the harness
// reads it before and after a load and divides the difference by the requests served.
//
//   qemu-system-x86_64 ... -plugin /path/insn_count_plugin.so,control=CONTROL,out=OUT
//
// Why not the TSC under -icount shift=0,sleep=off: there the TSC counts instructions only
// while the CPU runs. A server waits for the host's next request with its CPU halted, and
// QEMU then moves the virtual clock straight to the next timer deadline, so the TSC span of
// a request also holds however much idle time the guest's timers skipped (measured with
// the Linux guest: 2.4 to 4.9 million "instructions" per one-byte echo, depending on the
// number of round trips). The plugin counts executed instructions only: a halted CPU adds
// nothing, so both guests' figures hold their own work (kernel and program, interrupts
// included) and nothing else.
//
// Each instruction gets an inline add before it (not one per translation block, which
// would also count the rest of a block an interrupt or exception left early). A `rep`
// string instruction counts once per iteration, as under -icount. One vCPU: the add is
// not atomic, and the reading thread sees a value at most one instruction old.
//
// The plugin API's declarations are in qemu_plugin_api.h (Debian ships no header for it).
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qemu_plugin_api.h"

EXPORT int qemu_plugin_version = 1;

static uint64_t executed;  // written by the vCPU thread's generated code, read by `answer`
static char control_path[4096], out_path[4096];

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++)
        qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, i), QEMU_PLUGIN_INLINE_ADD_U64,
                                                   &executed, 1);
}

// The control thread: a writer opens CONTROL, writes bytes and closes it; each byte asks
// for one line in OUT.
static void *answer(void *unused) {
    (void)unused;
    for (;;) {
        int control = open(control_path, O_RDONLY);
        if (control < 0) return NULL;
        char byte;
        while (read(control, &byte, 1) == 1) {
            uint64_t now = __atomic_load_n(&executed, __ATOMIC_RELAXED);
            FILE *out = fopen(out_path, "a");
            if (!out) continue;
            fprintf(out, "%" PRIu64 "\n", now);
            fclose(out);
        }
        close(control);
    }
}

static int option(const char *arg, const char *name, char *value, size_t size) {
    size_t length = strlen(name);
    if (strncmp(arg, name, length) != 0 || arg[length] != '=') return 0;
    snprintf(value, size, "%s", arg + length + 1);
    return 1;
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (option(argv[i], "control", control_path, sizeof control_path)) continue;
        if (option(argv[i], "out", out_path, sizeof out_path)) continue;
        qemu_plugin_outs("insn_count_plugin: unknown option (expected control=FIFO,out=FILE)\n");
        return -1;
    }
    if (!control_path[0] || !out_path[0]) {
        qemu_plugin_outs("insn_count_plugin: control=FIFO and out=FILE are required\n");
        return -1;
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, answer, NULL) != 0) return -1;
    pthread_detach(thread);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    return 0;
}
