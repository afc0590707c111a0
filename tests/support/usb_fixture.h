/*
 * usb_fixture.h: a whole Candor handheld as USB sees it, in one process:
 * a RAM NOR flash, the real store and sync state machine, the real USB
 * device stack (usb_dev.h) on the fake controller (fake_dcd.h). Tests and
 * harnesses play the USB host with the fake's packet or transfer calls.
 *
 * Owns: booting that device (blank flash, formatted on mount with a device
 * id from a seeded, repeatable RNG) and connecting it. Never: used by
 * firmware. RAM: heap, about 300 KB (the flash image and cnd_sync_t).
 */
#ifndef CND_USB_FIXTURE_H
#define CND_USB_FIXTURE_H

#include <stdint.h>

#include "fake_dcd.h"
#include "ram_flash.h"
#include "store.h"
#include "sync.h"
#include "usb/usb_dev.h"

typedef struct {
    cnd_ram_flash_t rf;
    cnd_hal_t hal;
    cnd_store_t store;
    cnd_sync_t sync;
    cnd_usb_t usb;
    cnd_fake_dcd_t fake;
    uint32_t rng;
    int busy;      /* 1 = an interview is in progress: PUSH is refused */
    int activated; /* PUSH_COMMITs that activated a pack */
} cnd_usb_fixture_t;

/* A connected device, not yet enumerated; NULL if out of memory or the
 * store does not mount. seed makes the device id repeatable. */
cnd_usb_fixture_t *cnd_usb_fixture_new(uint32_t seed);
void cnd_usb_fixture_free(cnd_usb_fixture_t *fx);
/* Power cycle on the same flash: the store mounts again, and the sync state,
 * the fake controller and the USB stack start over, connected. Lets a
 * harness restore a flash image and reuse one fixture per run. */
cnd_status_t cnd_usb_fixture_reboot(cnd_usb_fixture_t *fx);

#endif
