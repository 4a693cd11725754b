/* A QEMU TCG plugin that counts the guest instructions a qemu-user process executes,
 * printing "insns N" to stderr at exit: what `ci/nox -s insns-aarch64` measures the
 * AArch64 kernels with, since no ARM CPU is at hand to time them.
 *
 * Written for the plugin API of QEMU 7.2 (Debian 12's qemu-user), version 1, whose
 * declarations are spelled out below because Debian ships no qemu-plugin.h. QEMU 9
 * dropped qemu_plugin_register_vcpu_tb_exec_inline and raised the oldest version it
 * loads to 2, so a newer QEMU refuses this plugin, and the session says so.
 *
 * The counter is one shared integer: exact for the one-threaded programs it is used
 * with (qemu-user runs each guest thread on a host thread). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                           void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, void *),
                                    void *userdata);

EXPORT int qemu_plugin_version = 1;

static uint64_t insns;

/* Each translated block adds its instruction count to `insns` every time it runs. */
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns,
                                             qemu_plugin_tb_n_insns(tb));
}

static void on_exit(qemu_plugin_id_t id, void *userdata) {
    (void)id;
    (void)userdata;
    fprintf(stderr, "insns %llu\n", (unsigned long long)insns);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv) {
    (void)info;
    (void)argc;
    (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit, NULL);
    return 0;
}
