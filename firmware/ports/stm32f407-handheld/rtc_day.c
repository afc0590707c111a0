/* rtc_day.c: the day from the STM32F4 RTC (see rtc_day.h). */
#include "rtc_day.h"

#include "cm4.h"

#define RCC_APB1ENR CND_REG32(0x40023840u)
#define RCC_BDCR CND_REG32(0x40023870u)
#define PWR_CR CND_REG32(0x40007000u)
#define RTC_TR CND_REG32(0x40002800u)
#define RTC_DR CND_REG32(0x40002804u)
#define RTC_ISR CND_REG32(0x4000280Cu)
#define RTC_PRER CND_REG32(0x40002810u)
#define RTC_WPR CND_REG32(0x40002824u)

#define APB1_PWREN (1u << 28)
#define PWR_DBP (1u << 8)
#define BDCR_LSEON (1u << 0)
#define BDCR_LSERDY (1u << 1)
#define BDCR_RTCSEL_LSE (1u << 8)
#define BDCR_RTCEN (1u << 15)
#define ISR_INITS (1u << 4)
#define ISR_RSF (1u << 5)
#define ISR_INITF (1u << 6)
#define ISR_INIT (1u << 7)
#define LSE_SPIN 20000000u /* loop bound: ~2 s at 168 MHz (crystal start-up) */

static const uint8_t g_mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static unsigned month_len(unsigned year, unsigned month)
{
    return month == 2 && year % 4u == 0 ? 29u : g_mdays[month - 1u]; /* 2020-2099 */
}

uint16_t cnd_rtc_day_from_date(unsigned year, unsigned month, unsigned mday)
{
    uint32_t d = 0;
    unsigned y, m;
    for (y = 2020; y < year; y++)
        d += y % 4u == 0 ? 366u : 365u;
    for (m = 1; m < month; m++)
        d += month_len(year, m);
    return (uint16_t)(d + mday - 1u);
}

void cnd_rtc_day_to_date(uint16_t day, unsigned *year, unsigned *month, unsigned *mday)
{
    uint32_t d = day;
    unsigned y = 2020, m = 1;
    while (d >= (y % 4u == 0 ? 366u : 365u)) {
        d -= y % 4u == 0 ? 366u : 365u;
        y++;
    }
    while (d >= month_len(y, m)) {
        d -= month_len(y, m);
        m++;
    }
    *year = y;
    *month = m;
    *mday = (unsigned)d + 1u;
}

static unsigned bcd(uint32_t v)
{
    return (unsigned)((v >> 4) * 10u + (v & 0xFu));
}

uint16_t cnd_rtc_day_today(void *ctx)
{
    uint32_t dr;
    (void)ctx;
    if (!(RCC_BDCR & BDCR_RTCEN) || !(RTC_ISR & ISR_INITS))
        return CND_RTC_DAY_UNSET;
    (void)RTC_TR; /* reading TR locks DR's shadow until DR is read */
    dr = RTC_DR;
    return cnd_rtc_day_from_date(2000u + bcd((dr >> 16) & 0xFFu), bcd((dr >> 8) & 0x1Fu),
                                 bcd(dr & 0x3Fu));
}

int cnd_rtc_day_set(uint16_t day)
{
    unsigned y, m, d;
    uint32_t spin = 0;
    if (day > CND_RTC_DAY_MAX)
        day = CND_RTC_DAY_MAX;
    RCC_APB1ENR |= APB1_PWREN;
    PWR_CR |= PWR_DBP; /* backup domain writable */
    if (!(RCC_BDCR & BDCR_RTCEN)) {
        RCC_BDCR |= BDCR_LSEON;
        while (!(RCC_BDCR & BDCR_LSERDY))
            if (++spin > LSE_SPIN)
                return -1;
        RCC_BDCR |= BDCR_RTCSEL_LSE | BDCR_RTCEN;
    }
    cnd_rtc_day_to_date(day, &y, &m, &d);
    RTC_WPR = 0xCAu;
    RTC_WPR = 0x53u;
    RTC_ISR |= ISR_INIT;
    while (!(RTC_ISR & ISR_INITF)) {
    }
    RTC_PRER = (127u << 16) | 255u; /* 32768 Hz / 128 / 256 = 1 Hz */
    RTC_TR = 0;                     /* midnight: the time of day is never used */
    RTC_DR = ((y - 2000u) / 10u) << 20 | ((y - 2000u) % 10u) << 16 | (1u << 13) |
             (m / 10u) << 12 | (m % 10u) << 8 | (d / 10u) << 4 | (d % 10u);
    RTC_ISR &= ~ISR_INIT;
    RTC_ISR &= ~ISR_RSF;
    RTC_WPR = 0xFFu;
    return 0;
}
