/* Board I/O over semihosting: text to QEMU's stderr (SYS_WRITE0), files in QEMU's working
 * directory (an empty temp dir the runner made), exit status via SYS_EXIT_EXTENDED. */
#include <string.h>

#include "board.h"
#include "semihost.h"

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_WRITE = 0x05,
       SYS_READ = 0x06, SYS_FLEN = 0x0C, SYS_EXIT_EXTENDED = 0x20 };
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t sh_call(uint32_t op, const void *arg) {
    register uint32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

void ed_board_init(void) {}

void ed_puts(const char *s) {
    sh_call(SYS_WRITE0, s);
    sh_call(SYS_WRITE0, "\n");
}

void ed_exit(int code) {
    const uint32_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    sh_call(SYS_EXIT_EXTENDED, args);
    for (;;) {}   /* not reached under QEMU */
}

int32_t ed_sh_open(const char *path, int mode) {
    const uint32_t args[3] = {(uint32_t)path, (uint32_t)mode, (uint32_t)strlen(path)};
    return sh_call(SYS_OPEN, args);
}

int32_t ed_sh_read(int32_t fd, void *buf, uint32_t n) {
    const uint32_t args[3] = {(uint32_t)fd, (uint32_t)buf, n};
    return sh_call(SYS_READ, args);
}

int32_t ed_sh_write(int32_t fd, const void *buf, uint32_t n) {
    const uint32_t args[3] = {(uint32_t)fd, (uint32_t)buf, n};
    return sh_call(SYS_WRITE, args);
}

int32_t ed_sh_flen(int32_t fd) {
    const uint32_t args[1] = {(uint32_t)fd};
    return sh_call(SYS_FLEN, args);
}

int32_t ed_sh_close(int32_t fd) {
    const uint32_t args[1] = {(uint32_t)fd};
    return sh_call(SYS_CLOSE, args);
}
