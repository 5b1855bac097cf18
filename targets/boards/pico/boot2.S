/* RP2040 second-stage boot loader (boot2), our own, from the RP2040 Datasheet's description of
 * the boot sequence and of the SSI (a Synopsys DW_apb_ssi at XIP_SSI_BASE 0x18000000; register
 * offsets and field positions checked against the RP2040 register headers).
 *
 * The boot ROM copies the first 256 bytes of flash into SRAM, checks the CRC32 in their last 4
 * bytes (pipeline/firmware/boot2.py writes it after linking) and jumps here. This code sets the
 * SSI up for execute-in-place with the plain serial 03h READ command, which every SPI NOR flash
 * answers (no quad mode, no chip-specific set-up), then enters the image through its vector
 * table at 0x10000100. It runs from SRAM, not where it is linked: position-independent, only
 * PC-relative literal loads and relative branches. */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .equ SSI_BASE, 0x18000000
    .equ SSI_CTRLR0, 0x00
    .equ SSI_CTRLR1, 0x04
    .equ SSI_SSIENR, 0x08
    .equ SSI_BAUDR, 0x14
    .equ SSI_SPI_CTRLR0, 0xf4
    .equ CLKDIV, 4                       /* SCK = clk_sys / 4 (must be even) */
    /* CTRLR0: DFS_32 (bits 20:16) = 31: 32-bit data frames; TMOD (9:8) = 3, EEPROM read: send
     * instruction + address, then receive; SPI_FRF (22:21) = 0: standard one-bit SPI */
    .equ CTRLR0_XIP, (31 << 16) | (3 << 8)
    /* SPI_CTRLR0: XIP_CMD (31:24) = 0x03 READ; INST_L (9:8) = 2: an 8-bit instruction; ADDR_L
     * (5:2) = 6: a 24-bit address, in 4-bit units; TRANS_TYPE (1:0) = 0: both sent serially */
    .equ SPI_CTRLR0_XIP, (0x03 << 24) | (2 << 8) | (6 << 2)
    .equ IMAGE, 0x10000100               /* the vector table, right after boot2 */
    .equ VTOR, 0xE000ED08

    .section .boot2, "ax"
    .global ed_boot2
    .type ed_boot2, %function
    .thumb_func
ed_boot2:
    ldr r3, =SSI_BASE
    movs r1, #0
    str r1, [r3, #SSI_SSIENR]            /* disabled: the control registers take writes only so */
    movs r1, #CLKDIV
    str r1, [r3, #SSI_BAUDR]
    ldr r1, =CTRLR0_XIP
    str r1, [r3, #SSI_CTRLR0]
    ldr r1, =SPI_CTRLR0_XIP
    movs r0, #SSI_SPI_CTRLR0             /* past str's 124-byte immediate reach */
    str r1, [r3, r0]
    movs r1, #0
    str r1, [r3, #SSI_CTRLR1]            /* NDF = 0: one data frame per XIP access */
    movs r1, #1
    str r1, [r3, #SSI_SSIENR]
    /* flash now reads at 0x10000000: enter the image as the core enters a table at reset */
    ldr r0, =IMAGE
    ldr r1, =VTOR
    str r0, [r1]
    ldr r1, [r0]                         /* initial stack pointer */
    msr msp, r1
    ldr r1, [r0, #4]                     /* reset vector, Thumb bit set */
    bx r1
    .ltorg

    .space 252 - (. - ed_boot2)          /* an assembly error if the code outgrows 252 bytes */
ed_boot2_crc:
    .word 0                              /* CRC32 of the 252 bytes above, written after linking */
