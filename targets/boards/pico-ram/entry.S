/* RP2040 RAM-only image: the boot ROM enters a UF2 downloaded to RAM at its lowest address, as
 * code (RP2040 Datasheet, Bootrom, USB mass storage: a RAM-only binary "is entered by watchdog
 * reset into the start of the binary, ... the lowest address of a downloaded block").
 * The vector table cannot sit there (its first word is the stack pointer), so these few
 * instructions come first: point VTOR at the table (256-byte aligned, after this stub), take
 * MSP and the reset vector from it, as the core does from a table at reset. */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .section .entry, "ax"
    .global ed_ram_entry
    .type ed_ram_entry, %function
    .thumb_func
ed_ram_entry:
    ldr r0, =ed_vectors
    ldr r1, =0xE000ED08     /* SCB VTOR */
    str r0, [r1]
    ldr r1, [r0]            /* initial stack pointer */
    msr msp, r1
    ldr r1, [r0, #4]        /* Reset_Handler, Thumb bit set */
    bx r1
    .ltorg
