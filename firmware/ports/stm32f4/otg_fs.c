/* otg_fs.c: STM32F4 USB OTG FS device controller driver (see otg_fs.h).
 * Register sequences from RM0090 34.17: core initialization (34.17.1),
 * device initialization (34.17.3), endpoint initialization on USB reset
 * and enumeration done (34.17.5), and the slave-mode OUT/IN data flows
 * (34.17.6). */
#include "otg_fs.h"

#include <string.h>

#include "cm4.h"
#include "gpio.h"
#include "rcc.h"
#include "regs.h"

#define POLL_LIMIT 100000u
#define EPN(ep) ((unsigned)(ep)&0x0Fu)

/* FIFO RAM, in 32-bit words (1.25 KB = 320 words on the OTG FS core). The
 * receive FIFO holds SETUPs and OUT packets: 10 words for ep0 SETUPs,
 * 17 for one 64-byte packet, 2 per OUT endpoint, 1 for transfer-complete
 * status (34.11.3); 128 leaves room for back-to-back packets. */
#define RX_FIFO_WORDS 128u
#define TX0_WORDS 16u /* one 64-byte ep0 packet */
#define TX1_WORDS 32u /* bulk IN: one 64-byte packet and room for the next */
#define TXN_WORDS 16u

/* PRIMASK save/restore: the ops run from the main loop and do register
 * read-modify-writes the interrupt handler also does. */
static uint32_t lock(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static void unlock(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

static void poll_clear(volatile uint32_t *reg, uint32_t mask)
{
    uint32_t i;
    for (i = 0; i < POLL_LIMIT && (*reg & mask) != 0; i++) {
    }
}

static void flush_tx(unsigned n) /* n = 0x10: all transmit FIFOs */
{
    OTG_GRSTCTL = OTG_GRSTCTL_TXFFLSH | OTG_GRSTCTL_TXFNUM(n);
    poll_clear(&OTG_GRSTCTL, OTG_GRSTCTL_TXFFLSH);
}

static void flush_rx(void)
{
    OTG_GRSTCTL = OTG_GRSTCTL_RXFFLSH;
    poll_clear(&OTG_GRSTCTL, OTG_GRSTCTL_RXFFLSH);
}

static void report(cnd_stm32_otg_fs_t *o, uint8_t kind, uint8_t ep)
{
    cnd_usb_event_t ev;
    if (o->usb == NULL)
        return;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.ep = ep;
    if (kind == CND_USB_EV_SETUP)
        memcpy(ev.setup, o->setup, sizeof ev.setup);
    cnd_usb_isr_event(o->usb, &ev);
}

/* Arms OUT endpoint n for exactly one packet (ep0 also for 3 SETUPs). */
static void arm_out(cnd_stm32_otg_fs_t *o, unsigned n)
{
    uint32_t siz = OTG_EPTSIZ_PKTCNT_1 | o->out_mps[n];
    if (n == 0)
        siz |= OTG_DOEPTSIZ0_STUPCNT_3;
    o->out_got[n] = 0;
    OTG_DOEPTSIZ(n) = siz;
    OTG_DOEPCTL(n) |= OTG_EPCTL_EPENA | OTG_EPCTL_CNAK;
}

/* Takes back an armed IN packet (34.17.6 "IN endpoint disable"): NAK,
 * disable, flush its FIFO. */
static void disable_in(unsigned n)
{
    if (!(OTG_DIEPCTL(n) & OTG_EPCTL_EPENA))
        return;
    OTG_DIEPCTL(n) |= OTG_EPCTL_SNAK;
    {
        uint32_t i;
        for (i = 0; i < POLL_LIMIT && !(OTG_DIEPINT(n) & OTG_DIEPINT_INEPNE); i++) {
        }
    }
    OTG_DIEPCTL(n) |= OTG_EPCTL_EPDIS | OTG_EPCTL_SNAK;
    {
        uint32_t i;
        for (i = 0; i < POLL_LIMIT && !(OTG_DIEPINT(n) & OTG_EPINT_EPDISD); i++) {
        }
    }
    OTG_DIEPINT(n) = OTG_EPINT_EPDISD | OTG_DIEPINT_INEPNE;
    flush_tx(n);
}

/* ---- DCD ops (main loop) ---- */

static void op_connect(void *ctx, int on)
{
    uint32_t k = lock();
    (void)ctx;
    if (on)
        OTG_DCTL &= ~OTG_DCTL_SDIS; /* D+ pull-up on: the host sees us */
    else
        OTG_DCTL |= OTG_DCTL_SDIS;
    unlock(k);
}

static void op_set_address(void *ctx, uint8_t addr)
{
    uint32_t k = lock();
    (void)ctx;
    /* Set at once: the core still answers the status stage of SET_ADDRESS
     * on address 0 (34.17.5, "set address" sequence). */
    OTG_DCFG = (OTG_DCFG & ~OTG_DCFG_DAD_MASK) | ((uint32_t)(addr & 0x7Fu) << OTG_DCFG_DAD_SHIFT);
    unlock(k);
}

static void op_ep_open(void *ctx, uint8_t ep, uint8_t type, uint16_t max_packet)
{
    cnd_stm32_otg_fs_t *o = ctx;
    unsigned n = EPN(ep);
    uint32_t k;
    if (n >= CND_OTG_FS_EPS || max_packet > CND_OTG_FS_MPS)
        return;
    k = lock();
    if (ep & 0x80u) {
        disable_in(n);
        if (n == 0) {
            OTG_DIEPCTL(0) &= ~0x3u; /* MPSIZ 0 = 64 bytes */
        } else {
            OTG_DIEPCTL(n) = (uint32_t)max_packet | ((uint32_t)type << OTG_EPCTL_EPTYP_SHIFT) |
                             OTG_DIEPCTL_TXFNUM(n) | OTG_EPCTL_SD0PID | OTG_EPCTL_USBAEP |
                             OTG_EPCTL_SNAK;
            flush_tx(n);
        }
        OTG_DAINTMSK |= 1u << n;
    } else {
        o->out_held[n] = 0;
        o->out_mps[n] = max_packet;
        if (n != 0)
            OTG_DOEPCTL(n) = (OTG_DOEPCTL(n) & OTG_EPCTL_EPENA) | (uint32_t)max_packet |
                             ((uint32_t)type << OTG_EPCTL_EPTYP_SHIFT) | OTG_EPCTL_SD0PID |
                             OTG_EPCTL_USBAEP;
        if (!(OTG_DOEPCTL(n) & OTG_EPCTL_EPENA))
            arm_out(o, n);
        OTG_DAINTMSK |= 1u << (16u + n);
    }
    unlock(k);
}

static void op_ep_write(void *ctx, uint8_t ep, const uint8_t *data, uint16_t len)
{
    unsigned n = EPN(ep), i;
    uint32_t k;
    (void)ctx;
    if (n >= CND_OTG_FS_EPS || len > CND_OTG_FS_MPS)
        return;
    k = lock();
    /* one packet of len bytes (0 = zero-length packet) */
    OTG_DIEPTSIZ(n) = OTG_EPTSIZ_PKTCNT_1 | len;
    OTG_DIEPCTL(n) |= OTG_EPCTL_EPENA | OTG_EPCTL_CNAK;
    /* Slave mode: the packet goes into the FIFO after the endpoint is
     * enabled; the FIFO holds a whole packet, so it fits at once. */
    for (i = 0; i < len; i += 4u) {
        uint32_t w = data[i];
        if (i + 1u < len)
            w |= (uint32_t)data[i + 1u] << 8;
        if (i + 2u < len)
            w |= (uint32_t)data[i + 2u] << 16;
        if (i + 3u < len)
            w |= (uint32_t)data[i + 3u] << 24;
        OTG_FIFO(n) = w;
    }
    unlock(k);
}

static uint16_t op_ep_read(void *ctx, uint8_t ep, uint8_t *buf, uint16_t cap)
{
    cnd_stm32_otg_fs_t *o = ctx;
    unsigned n = EPN(ep);
    uint16_t len;
    uint32_t k;
    if (n >= CND_OTG_FS_EPS || !o->out_held[n])
        return 0;
    len = o->out_len[n] < cap ? o->out_len[n] : cap;
    memcpy(buf, o->out_buf[n], len);
    k = lock();
    o->out_held[n] = 0;
    arm_out(o, n); /* the endpoint stops NAKing: the next packet may come */
    unlock(k);
    return len;
}

static void op_ep_stall(void *ctx, uint8_t ep, int on)
{
    cnd_stm32_otg_fs_t *o = ctx;
    unsigned n = EPN(ep);
    uint32_t k;
    if (n >= CND_OTG_FS_EPS)
        return;
    k = lock();
    if (ep & 0x80u) {
        if (on) {
            uint32_t ctl = OTG_DIEPCTL(n);
            if (ctl & OTG_EPCTL_EPENA)
                ctl |= OTG_EPCTL_EPDIS; /* a stalled endpoint sends nothing armed */
            OTG_DIEPCTL(n) = ctl | OTG_EPCTL_STALL;
            flush_tx(n);
        } else {
            OTG_DIEPCTL(n) = (OTG_DIEPCTL(n) & ~OTG_EPCTL_STALL) | (n ? OTG_EPCTL_SD0PID : 0u);
        }
    } else {
        if (on) {
            OTG_DOEPCTL(n) |= OTG_EPCTL_STALL;
        } else {
            OTG_DOEPCTL(n) = (OTG_DOEPCTL(n) & ~OTG_EPCTL_STALL) | (n ? OTG_EPCTL_SD0PID : 0u);
            if (!(OTG_DOEPCTL(n) & OTG_EPCTL_EPENA) && !o->out_held[n])
                arm_out(o, n);
        }
    }
    unlock(k);
}

static void op_irq_mask(void *ctx, int masked)
{
    (void)ctx;
    if (masked)
        OTG_GAHBCFG &= ~OTG_GAHBCFG_GINT;
    else
        OTG_GAHBCFG |= OTG_GAHBCFG_GINT;
}

/* ---- interrupt side ---- */

/* 34.17.5: endpoint state after a USB reset: everything but ep0 gone,
 * address 0, FIFOs empty, ep0 ready for SETUPs. */
static void usb_reset(cnd_stm32_otg_fs_t *o)
{
    unsigned n;
    for (n = 0; n < CND_OTG_FS_EPS; n++) {
        disable_in(n);
        OTG_DIEPCTL(n) = OTG_EPCTL_SNAK | (n == 0 ? 0u : 0u);
        OTG_DOEPCTL(n) = OTG_EPCTL_SNAK;
        OTG_DIEPINT(n) = 0xFFu;
        OTG_DOEPINT(n) = 0xFFu;
        o->out_held[n] = 0;
        o->out_got[n] = 0;
    }
    flush_tx(0x10u);
    flush_rx();
    OTG_DCFG &= ~OTG_DCFG_DAD_MASK;
    OTG_DAINTMSK = 1u | (1u << 16); /* ep0 IN and OUT */
    OTG_DOEPMSK = OTG_EPINT_XFRC | OTG_DOEPINT_STUP;
    OTG_DIEPMSK = OTG_EPINT_XFRC;
    o->out_mps[0] = CND_OTG_FS_MPS;
    arm_out(o, 0);
}

/* Pops one receive FIFO entry (34.17.6 "packet read from the RxFIFO"). */
static void rx_pop(cnd_stm32_otg_fs_t *o)
{
    uint32_t st = OTG_GRXSTSP, w = 0;
    unsigned n = OTG_GRXSTS_EPNUM(st), pkt = OTG_GRXSTS_PKTSTS(st);
    uint32_t bcnt = OTG_GRXSTS_BCNT(st), i;
    uint8_t *dst = NULL;
    uint32_t cap = 0;
    if (pkt == OTG_PKTSTS_SETUP_DATA) {
        dst = o->setup;
        cap = sizeof o->setup;
    } else if (pkt == OTG_PKTSTS_OUT_DATA && n < CND_OTG_FS_EPS) {
        dst = o->out_buf[n];
        cap = CND_OTG_FS_MPS;
        o->out_len[n] = (uint16_t)(bcnt < cap ? bcnt : cap);
        o->out_got[n] = 1;
    }
    for (i = 0; i < bcnt; i++) { /* the FIFO is read a word at a time */
        if (i % 4u == 0)
            w = OTG_FIFO(0);
        if (dst != NULL && i < cap)
            dst[i] = (uint8_t)(w >> (8u * (i % 4u)));
    }
}

static void out_events(cnd_stm32_otg_fs_t *o)
{
    uint32_t daint = OTG_DAINT & OTG_DAINTMSK;
    unsigned n;
    for (n = 0; n < CND_OTG_FS_EPS; n++) {
        uint32_t v;
        if (!(daint & (1u << (16u + n))))
            continue;
        v = OTG_DOEPINT(n) & OTG_DOEPMSK;
        OTG_DOEPINT(n) = v;
        /* a completed OUT packet before a SETUP that followed it */
        if ((v & OTG_EPINT_XFRC) && o->out_got[n] && !(n == 0 && (v & OTG_DOEPINT_STUP))) {
            o->out_got[n] = 0;
            o->out_held[n] = 1; /* endpoint now NAKs until ep_read */
            report(o, CND_USB_EV_OUT, (uint8_t)n);
        }
        if (n == 0 && (v & OTG_DOEPINT_STUP)) {
            /* a SETUP ends any control transfer: drop ep0's armed IN
             * packet and held OUT packet, be ready for its next stage */
            disable_in(0);
            o->out_held[0] = 0;
            arm_out(o, 0);
            report(o, CND_USB_EV_SETUP, 0);
        }
    }
}

static void in_events(cnd_stm32_otg_fs_t *o)
{
    uint32_t daint = OTG_DAINT & OTG_DAINTMSK;
    unsigned n;
    for (n = 0; n < CND_OTG_FS_EPS; n++) {
        uint32_t v;
        if (!(daint & (1u << n)))
            continue;
        v = OTG_DIEPINT(n) & OTG_DIEPMSK;
        OTG_DIEPINT(n) = v;
        if (v & OTG_EPINT_XFRC)
            report(o, CND_USB_EV_IN_DONE, (uint8_t)(0x80u | n));
    }
}

void cnd_stm32_otg_fs_irq(cnd_stm32_otg_fs_t *o)
{
    uint32_t sts = OTG_GINTSTS & OTG_GINTMSK;
    if (sts & OTG_GINT_USBRST) {
        OTG_GINTSTS = OTG_GINT_USBRST;
        usb_reset(o);
        report(o, CND_USB_EV_RESET, 0);
    }
    if (sts & OTG_GINT_ENUMDNE) {
        OTG_GINTSTS = OTG_GINT_ENUMDNE;
        OTG_DIEPCTL(0) &= ~0x3u; /* ep0 max packet 64 */
        OTG_DCTL |= OTG_DCTL_CGINAK;
    }
    if (sts & OTG_GINT_RXFLVL) {
        uint32_t i;
        OTG_GINTMSK &= ~OTG_GINT_RXFLVL; /* 34.17.6: masked while popping */
        for (i = 0; i < 16u && (OTG_GINTSTS & OTG_GINT_RXFLVL); i++)
            rx_pop(o);
        OTG_GINTMSK |= OTG_GINT_RXFLVL;
    }
    if (sts & OTG_GINT_OEPINT)
        out_events(o);
    if (sts & OTG_GINT_IEPINT)
        in_events(o);
    if (sts & OTG_GINT_OTGINT) {
        uint32_t g = OTG_GOTGINT;
        OTG_GOTGINT = g;
        if (g & OTG_GOTGINT_SEDET) /* VBUS gone: cable out */
            report(o, CND_USB_EV_DETACH, 0);
    }
    if (sts & (OTG_GINT_USBSUSP | OTG_GINT_SRQINT | OTG_GINT_WKUINT))
        OTG_GINTSTS = sts & (OTG_GINT_USBSUSP | OTG_GINT_SRQINT | OTG_GINT_WKUINT);
}

/* ---- bring-up ---- */

static void wait_ms(uint32_t (*millis)(void), uint32_t ms)
{
    uint32_t t0 = millis();
    while (millis() - t0 < ms + 1u) {
    }
}

void cnd_stm32_otg_fs_init(cnd_stm32_otg_fs_t *o, uint32_t (*millis)(void), int vbus_sense)
{
    unsigned n;
    memset(o, 0, sizeof *o);
    o->dcd.ctx = o;
    o->dcd.connect = op_connect;
    o->dcd.set_address = op_set_address;
    o->dcd.ep_open = op_ep_open;
    o->dcd.ep_write = op_ep_write;
    o->dcd.ep_read = op_ep_read;
    o->dcd.ep_stall = op_ep_stall;
    o->dcd.irq_mask = op_irq_mask;

    /* PA11 = DM, PA12 = DP, alternate function 10, very high speed;
     * PA9 = VBUS, an input the core senses directly. */
    cnd_gpio_config(CND_GPIO_A, 11, CND_GPIO_ALT, CND_GPIO_NOPULL, 3u, 10u, 0);
    cnd_gpio_config(CND_GPIO_A, 12, CND_GPIO_ALT, CND_GPIO_NOPULL, 3u, 10u, 0);
    if (vbus_sense)
        cnd_gpio_config(CND_GPIO_A, 9, CND_GPIO_INPUT, CND_GPIO_NOPULL, 0u, 0u, 0);
    cnd_stm32_clock_ahb2(RCC_AHB2ENR_OTGFSEN);

    /* 34.17.1 core initialization: wait for the AHB master to idle, soft
     * reset, then the embedded full-speed PHY and forced device mode. */
    {
        uint32_t i;
        for (i = 0; i < POLL_LIMIT && !(OTG_GRSTCTL & OTG_GRSTCTL_AHBIDL); i++) {
        }
    }
    OTG_GRSTCTL = OTG_GRSTCTL_CSRST;
    poll_clear(&OTG_GRSTCTL, OTG_GRSTCTL_CSRST);
    OTG_GAHBCFG = 0; /* interrupts off until start */
    /* TRDT 6 for an AHB clock above 32 MHz (RM0090 34.16.2, GUSBCFG) */
    OTG_GUSBCFG = (OTG_GUSBCFG & ~OTG_GUSBCFG_TRDT_MASK) | OTG_GUSBCFG_PHYSEL | OTG_GUSBCFG_FDMOD |
                  OTG_GUSBCFG_TRDT(6u);
    wait_ms(millis, 25u); /* forced mode takes effect after 25 ms */

    /* 34.17.3 device initialization */
    OTG_GCCFG = OTG_GCCFG_PWRDWN | (vbus_sense ? OTG_GCCFG_VBUSBSEN : OTG_GCCFG_NOVBUSSENS);
    OTG_PCGCCTL = 0;
    OTG_DCFG = OTG_DCFG_DSPD_FS;
    OTG_DCTL = OTG_DCTL_SDIS; /* stay off the bus until connect */

    OTG_GRXFSIZ = RX_FIFO_WORDS;
    OTG_DIEPTXF0 = (TX0_WORDS << 16) | RX_FIFO_WORDS;
    OTG_DIEPTXF(1) = (TX1_WORDS << 16) | (RX_FIFO_WORDS + TX0_WORDS);
    OTG_DIEPTXF(2) = (TXN_WORDS << 16) | (RX_FIFO_WORDS + TX0_WORDS + TX1_WORDS);
    OTG_DIEPTXF(3) = (TXN_WORDS << 16) | (RX_FIFO_WORDS + TX0_WORDS + TX1_WORDS + TXN_WORDS);
    flush_tx(0x10u);
    flush_rx();

    OTG_DIEPMSK = 0;
    OTG_DOEPMSK = 0;
    OTG_DAINTMSK = 0;
    for (n = 0; n < CND_OTG_FS_EPS; n++) {
        OTG_DIEPCTL(n) = OTG_EPCTL_SNAK;
        OTG_DOEPCTL(n) = OTG_EPCTL_SNAK;
        OTG_DIEPINT(n) = 0xFFu;
        OTG_DOEPINT(n) = 0xFFu;
    }
    OTG_GOTGINT = 0xFFFFFFFFu;
    OTG_GINTSTS = 0xFFFFFFFFu;
    OTG_GINTMSK = OTG_GINT_USBRST | OTG_GINT_ENUMDNE | OTG_GINT_RXFLVL | OTG_GINT_IEPINT |
                  OTG_GINT_OEPINT | OTG_GINT_USBSUSP | (vbus_sense ? OTG_GINT_OTGINT : 0u);
}

void cnd_stm32_otg_fs_start(cnd_stm32_otg_fs_t *o, cnd_usb_t *usb)
{
    o->usb = usb;
    OTG_GAHBCFG |= OTG_GAHBCFG_GINT;
    cnd_nvic_enable(CND_STM32_IRQ_OTG_FS);
}
