/*
 * rtc_day.h: today, as days since 2020-01-01, from the STM32F407's RTC
 * (RM0090 section 26), which runs from the 32.768 kHz crystal and the
 * board's CR1220 cell while the main battery is off.
 *
 * Owns: the RTC calendar and the backup-domain clock setup. The calendar
 * holds a date only (the time of day is kept at midnight and never read),
 * so nothing finer than a day exists to leak into a record.
 *
 * Never: guesses a date. Until cnd_rtc_day_set() has run once on this
 * board (or after the cell was removed) today is CND_RTC_DAY_UNSET.
 * RAM: none.
 */
#ifndef CND_RTC_DAY_H
#define CND_RTC_DAY_H

#include <stdint.h>

#define CND_RTC_DAY_UNSET 0u /* 2020-01-01: no record is that old */
#define CND_RTC_DAY_MAX 29219u /* 2099-12-31, the RTC's last date */

/* A hal.h today() callback (ctx unused). */
uint16_t cnd_rtc_day_today(void *ctx);
/* Starts the crystal and the RTC if needed and sets the date to day
 * (<= CND_RTC_DAY_MAX). Returns 0, or -1 if the crystal does not start. */
int cnd_rtc_day_set(uint16_t day);

/* Calendar conversion (proleptic Gregorian, 2020-2099), no hardware. */
uint16_t cnd_rtc_day_from_date(unsigned year, unsigned month, unsigned mday);
void cnd_rtc_day_to_date(uint16_t day, unsigned *year, unsigned *month, unsigned *mday);

#endif
