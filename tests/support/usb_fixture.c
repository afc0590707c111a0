/* usb_fixture.c: see usb_fixture.h. */
#include "usb_fixture.h"

#include <stdlib.h>
#include <string.h>

static cnd_status_t fx_random(void *ctx, uint8_t *buf, uint32_t n)
{
    cnd_usb_fixture_t *fx = ctx;
    uint32_t i;
    for (i = 0; i < n; i++) {
        fx->rng = fx->rng * 1103515245u + 12345u;
        buf[i] = (uint8_t)(fx->rng >> 16);
    }
    return CND_OK;
}

static uint16_t fx_today(void *ctx)
{
    (void)ctx;
    return 2200;
}

static int fx_busy(void *ctx)
{
    return ((cnd_usb_fixture_t *)ctx)->busy;
}

static void fx_activated(void *ctx)
{
    ((cnd_usb_fixture_t *)ctx)->activated++;
}

cnd_usb_fixture_t *cnd_usb_fixture_new(uint32_t seed)
{
    cnd_usb_fixture_t *fx = calloc(1, sizeof *fx);
    if (!fx)
        return NULL;
    fx->rng = seed;
    if (cnd_ram_flash_init(&fx->rf, 4096, CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS, 16) != CND_OK) {
        free(fx);
        return NULL;
    }
    fx->hal.flash = fx->rf.flash;
    fx->hal.ctx = fx;
    fx->hal.random = fx_random;
    fx->hal.today = fx_today;
    if (cnd_usb_fixture_reboot(fx) != CND_OK) {
        cnd_usb_fixture_free(fx);
        return NULL;
    }
    return fx;
}

cnd_status_t cnd_usb_fixture_reboot(cnd_usb_fixture_t *fx)
{
    cnd_sync_config_t cfg;
    cnd_status_t st;
    cnd_ram_flash_power_on(&fx->rf);
    st = cnd_store_mount(&fx->store, &fx->hal);
    if (st != CND_OK)
        return st;
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &fx->store;
    cfg.ctx = fx;
    cfg.busy = fx_busy;
    cfg.pack_activated = fx_activated;
    cnd_sync_init(&fx->sync, &cfg);
    cnd_fake_dcd_init(&fx->fake);
    cnd_usb_init(&fx->usb, &fx->fake.dcd, &fx->sync, cnd_store_device_id(&fx->store));
    cnd_fake_dcd_attach(&fx->fake, &fx->usb);
    cnd_usb_connect(&fx->usb, 1);
    return CND_OK;
}

void cnd_usb_fixture_free(cnd_usb_fixture_t *fx)
{
    if (!fx)
        return;
    cnd_ram_flash_free(&fx->rf);
    free(fx);
}
