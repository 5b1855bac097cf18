/* edgedistill instruction counter: a QEMU TCG plugin (plugin API version 1, QEMU 7.2).
 *
 * Counts every executed guest instruction (inline add per translation block: no helper call,
 * so it costs little) and snapshots the count each time the guest executes the first
 * instruction of `bench_start` or `bench_stop`. The difference stop - start of each pair is the
 * instruction count of one inference, deterministic from run to run (no timers, one vCPU).
 * It also remembers the last instruction executed inside `model_invoke`: between two ops that
 * function only calls kernels, so on a fault or hang that address names the op that was running.
 * The same hook gives a per-op profile: the instructions executed between two consecutive
 * model_invoke instructions are charged to the first of them, the `bl` of the op's kernel
 * (summed over every inference; the few instructions of model_invoke itself go to its sites).
 *
 * Arguments (comma-separated after the .so path):
 *   start=ADDR stop=ADDR       marker function addresses (Thumb bit ignored)
 *   invoke=LO:HI               address range of model_invoke (optional)
 *   out=FILE                   where the report goes (QEMU's cwd: our empty run directory)
 *   blocks=1                   also count per translation block (a profile by address: the
 *                              whole run, not only between the markers; tools/profile_functions.py)
 * Report lines: "pair START STOP" per inference, "total N", "last_invoke ADDR",
 * "site ADDR N" per model_invoke address that was charged (inside bench_start/stop only),
 * with blocks=1 "block ADDR N" per translation block start address (instructions executed).
 *
 * Debian ships no qemu-plugin.h, so the few declarations used are written out below; their
 * types and enum values are those of QEMU 7.2's include/qemu/qemu-plugin.h.
 * Build: gcc -shared -fPIC -O2 -o insn_count.so insn_count.c
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the subset of the plugin API used here ------------------------------------------ */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;               /* opaque: never dereferenced */
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* ---- state: one vCPU (Cortex-M), so plain globals ------------------------------------ */
#define MAX_PAIRS 100000
static uint64_t insns;                 /* executed instructions so far */
static uint64_t start_addr = UINT64_MAX, stop_addr = UINT64_MAX;
static uint64_t invoke_lo = 1, invoke_hi = 0;   /* empty range unless given */
static uint64_t last_invoke = 0;
static uint64_t pending_start;         /* count at the last bench_start */
static int in_bench;
static uint64_t *pairs;                /* [2*k] start count, [2*k+1] stop count */
static size_t n_pairs;
static char out_path[512] = "insn_count.txt";
#define MAX_SITES 4096                 /* model_invoke call sites: open addressing by pc */
static uint64_t site_pc[MAX_SITES], site_n[MAX_SITES];
static uint64_t invoke_mark;           /* count at the last model_invoke instruction ... */
static uint64_t prev_site;             /* ... and its address, in this inference */

#define MAX_BLOCKS 65536              /* blocks=1: instructions per block start address */
static int count_blocks;
static uint64_t *block_pc, *block_n;

static uint64_t *block_slot(uint64_t pc) {
    for (size_t i = (pc >> 1) % MAX_BLOCKS, k = 0; k < MAX_BLOCKS; ++k, i = (i + 1) % MAX_BLOCKS) {
        if (block_pc[i] == pc || block_pc[i] == 0) {
            block_pc[i] = pc;
            return &block_n[i];
        }
    }
    return NULL;                       /* table full: that block goes uncounted */
}

static void charge(uint64_t pc, uint64_t n) {
    for (size_t i = (pc >> 1) % MAX_SITES, k = 0; k < MAX_SITES; ++k, i = (i + 1) % MAX_SITES) {
        if (site_pc[i] == pc || site_pc[i] == 0) {
            site_pc[i] = pc;
            site_n[i] += n;
            return;
        }
    }
}

static void on_start(unsigned int vcpu, void *udata) {
    (void)vcpu; (void)udata;
    pending_start = insns;
    prev_site = 0;                     /* nothing charged until model_invoke runs */
    in_bench = 1;
}

static void on_stop(unsigned int vcpu, void *udata) {
    (void)vcpu; (void)udata;
    if (in_bench && n_pairs < MAX_PAIRS) {
        pairs[2 * n_pairs] = pending_start;
        pairs[2 * n_pairs + 1] = insns;
        ++n_pairs;
    }
    in_bench = 0;
}

static void on_invoke_insn(unsigned int vcpu, void *udata) {
    (void)vcpu;
    const uint64_t pc = (uint64_t)(uintptr_t)udata;
    if (in_bench && prev_site && insns > invoke_mark) charge(prev_site, insns - invoke_mark);
    invoke_mark = insns;
    prev_site = pc;
    last_invoke = pc;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns, n);
    if (count_blocks && n) {
        uint64_t *slot = block_slot(qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, 0)));
        if (slot) qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, slot, n);
    }
    for (size_t i = 0; i < n; ++i) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (pc == start_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
        else if (pc == stop_addr)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (pc >= invoke_lo && pc < invoke_hi)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_invoke_insn, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)pc);
    }
}

static void on_plugin_exit(qemu_plugin_id_t id, void *udata) {
    (void)id; (void)udata;
    FILE *f = fopen(out_path, "w");
    if (!f) return;
    for (size_t k = 0; k < n_pairs; ++k)
        fprintf(f, "pair %" PRIu64 " %" PRIu64 "\n", pairs[2 * k], pairs[2 * k + 1]);
    fprintf(f, "total %" PRIu64 "\n", insns);
    fprintf(f, "last_invoke 0x%" PRIx64 "\n", last_invoke);
    for (size_t i = 0; i < MAX_SITES; ++i)
        if (site_pc[i]) fprintf(f, "site 0x%" PRIx64 " %" PRIu64 "\n", site_pc[i], site_n[i]);
    for (size_t i = 0; count_blocks && i < MAX_BLOCKS; ++i)
        if (block_pc[i]) fprintf(f, "block 0x%" PRIx64 " %" PRIu64 "\n", block_pc[i], block_n[i]);
    fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; ++i) {
        const char *a = argv[i];
        if (!strncmp(a, "start=", 6)) start_addr = strtoull(a + 6, NULL, 0) & ~1ull;
        else if (!strncmp(a, "stop=", 5)) stop_addr = strtoull(a + 5, NULL, 0) & ~1ull;
        else if (!strncmp(a, "invoke=", 7)) {
            char *end;
            invoke_lo = strtoull(a + 7, &end, 0) & ~1ull;
            invoke_hi = (*end == ':') ? strtoull(end + 1, NULL, 0) : 0;
        } else if (!strcmp(a, "blocks=1")) {
            count_blocks = 1;
        } else if (!strncmp(a, "out=", 4)) {
            snprintf(out_path, sizeof out_path, "%s", a + 4);
        } else {
            fprintf(stderr, "insn_count: unknown argument '%s'\n", a);
            return -1;
        }
    }
    pairs = calloc(2 * MAX_PAIRS, sizeof *pairs);
    if (!pairs) return -1;
    if (count_blocks) {
        block_pc = calloc(MAX_BLOCKS, sizeof *block_pc);
        block_n = calloc(MAX_BLOCKS, sizeof *block_n);
        if (!block_pc || !block_n) return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
