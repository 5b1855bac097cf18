/* Arm semihosting (BKPT 0xAB): host files and exit status under QEMU
 * (-semihosting-config enable=on,target=native). Only the emulator harness uses it: on a real
 * board without a debugger attached, BKPT would fault. */
#ifndef ED_SEMIHOST_H
#define ED_SEMIHOST_H

#include <stdint.h>

int32_t ed_sh_open(const char *path, int mode);   /* mode: 1 = "rb", 5 = "wb"; -1 on error */
int32_t ed_sh_read(int32_t fd, void *buf, uint32_t n);   /* bytes NOT read (0 = all) */
int32_t ed_sh_write(int32_t fd, const void *buf, uint32_t n);   /* bytes NOT written */
int32_t ed_sh_flen(int32_t fd);
int32_t ed_sh_close(int32_t fd);

#endif
