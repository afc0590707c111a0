/* test_keys.c: the handheld's six keys as an interviewer would feel them:
 * one press is one step, however the contacts bounce; UP/DOWN repeat when
 * held; quick exit wins over anything typed before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "keys.h"

#define UP CND_KEYS_BIT(CND_KEY_UP)
#define DOWN CND_KEYS_BIT(CND_KEY_DOWN)
#define OK CND_KEYS_BIT(CND_KEY_OK)
#define EXIT CND_KEYS_BIT(CND_KEY_EXIT)

static cnd_keys_t keys;
static uint32_t now;

static int setup(void **state)
{
    (void)state;
    cnd_keys_init(&keys, CND_KEYS_DEFAULT_REPEAT);
    now = 1000;
    return 0;
}

/* Holds the raw level for ms milliseconds, sampling every step ms. */
static void hold(uint8_t raw, uint32_t ms, uint32_t step)
{
    uint32_t t;
    for (t = 0; t < ms; t += step) {
        cnd_keys_sample(&keys, raw, now);
        now += step;
    }
}

static int count_events(int key)
{
    int n = 0, e;
    while ((e = cnd_keys_next(&keys)) != 0) {
        assert_int_equal(e, key);
        n++;
    }
    return n;
}

/* Contact bounce: the level flips every 1..3 ms for about ms milliseconds. */
static void bounce(uint8_t bits, uint32_t ms)
{
    static const uint8_t gaps[] = {1, 3, 2, 1, 2, 3, 1, 1};
    uint32_t spent = 0;
    int i = 0;
    while (spent < ms) {
        hold((i & 1) ? 0 : bits, gaps[i % 8], 1);
        spent += gaps[i % 8];
        i++;
    }
}

static void a_clean_press_counts_after_20_ms_stable(void **state)
{
    (void)state;
    hold(0, 50, 1);
    hold(OK, 19, 1);
    assert_int_equal(cnd_keys_next(&keys), 0);
    hold(OK, 2, 1);
    assert_int_equal(cnd_keys_next(&keys), CND_KEY_OK);
    assert_int_equal(cnd_keys_next(&keys), 0);
}

static void a_bouncing_key_gives_one_press(void **state)
{
    (void)state;
    hold(0, 30, 1);
    bounce(OK, 12);     /* press bounce */
    hold(OK, 200, 1);   /* held */
    bounce(OK, 12);     /* release bounce */
    hold(0, 300, 1);
    assert_int_equal(count_events(CND_KEY_OK), 1);
}

static void a_glitch_shorter_than_20_ms_is_ignored(void **state)
{
    (void)state;
    hold(0, 30, 1);
    hold(DOWN, 15, 1); /* a knock, or noise on the line */
    hold(0, 100, 1);
    assert_int_equal(cnd_keys_next(&keys), 0);
    assert_int_equal(cnd_keys_active(&keys), 0);
}

static void a_short_release_bounce_is_not_a_second_press(void **state)
{
    (void)state;
    hold(0, 30, 1);
    hold(OK, 100, 1);
    hold(0, 10, 1); /* contact lifts briefly while still held */
    hold(OK, 100, 1);
    hold(0, 100, 1);
    assert_int_equal(count_events(CND_KEY_OK), 1);
}

static void two_presses_are_two_steps(void **state)
{
    (void)state;
    hold(0, 30, 1);
    hold(OK, 60, 5);
    hold(0, 60, 5);
    hold(OK, 60, 5);
    hold(0, 60, 5);
    assert_int_equal(count_events(CND_KEY_OK), 2);
}

static void holding_down_repeats_for_scrolling(void **state)
{
    (void)state;
    hold(0, 30, 1);
    hold(DOWN, 1001, 1); /* press at 20 ms, repeats at 520, 670, 820, 970 */
    assert_int_equal(count_events(CND_KEY_DOWN), 5);
    hold(0, 100, 1);
    assert_int_equal(count_events(CND_KEY_DOWN), 0);
}

static void holding_ok_does_not_repeat(void **state)
{
    (void)state;
    hold(0, 30, 1);
    hold(OK, 3000, 2);
    assert_int_equal(count_events(CND_KEY_OK), 1);
}

static void without_auto_repeat_a_held_key_is_one_press(void **state)
{
    (void)state;
    cnd_keys_init(&keys, 0);
    hold(0, 30, 1);
    hold(UP, 2000, 1);
    assert_int_equal(count_events(CND_KEY_UP), 1);
}

static void each_line_gives_its_own_engine_key(void **state)
{
    int key;
    (void)state;
    hold(0, 30, 1);
    for (key = CND_KEY_UP; key <= CND_KEY_EXIT; key++) {
        hold((uint8_t)CND_KEYS_BIT(key), 40, 4);
        hold(0, 40, 4);
        assert_int_equal(cnd_keys_next(&keys), key);
        assert_int_equal(cnd_keys_next(&keys), 0);
    }
}

static void quick_exit_drops_keys_pressed_before_it(void **state)
{
    (void)state;
    hold(0, 30, 1);
    hold(DOWN, 40, 1);
    hold(0, 40, 1);
    hold(OK, 40, 1);
    hold(0, 40, 1);
    hold(EXIT, 40, 1);
    hold(0, 40, 1);
    /* DOWN and OK were never handled: they must not act after the exit */
    assert_int_equal(cnd_keys_next(&keys), CND_KEY_EXIT);
    assert_int_equal(cnd_keys_next(&keys), 0);
    hold(OK, 40, 1); /* a press after the exit is kept */
    assert_int_equal(cnd_keys_next(&keys), CND_KEY_OK);
}

static void keys_already_handled_are_not_replayed_by_exit(void **state)
{
    (void)state;
    hold(0, 30, 1);
    hold(DOWN, 40, 1);
    hold(0, 40, 1);
    assert_int_equal(cnd_keys_next(&keys), CND_KEY_DOWN);
    hold(EXIT, 40, 1);
    hold(UP, 40, 1); /* EXIT still held, UP joins */
    assert_int_equal(cnd_keys_next(&keys), CND_KEY_EXIT);
    assert_int_equal(cnd_keys_next(&keys), CND_KEY_UP);
    assert_int_equal(cnd_keys_next(&keys), 0);
}

static void a_key_held_at_power_on_counts_once_it_settles(void **state)
{
    (void)state;
    hold(OK, 19, 1);
    assert_int_equal(cnd_keys_next(&keys), 0);
    hold(OK, 5, 1);
    assert_int_equal(cnd_keys_next(&keys), CND_KEY_OK);
}

static void debounce_works_across_the_millisecond_counter_wrap(void **state)
{
    (void)state;
    now = 0xFFFFFFF0u;
    hold(0, 30, 1);
    hold(UP, 30, 1); /* settles after the counter wrapped */
    assert_int_equal(cnd_keys_next(&keys), CND_KEY_UP);
    hold(UP, 400, 1);
    assert_int_equal(cnd_keys_next(&keys), 0); /* no early repeat from the wrap */
}

static void a_flood_of_presses_keeps_the_first_eight(void **state)
{
    int i;
    (void)state;
    hold(0, 30, 1);
    for (i = 0; i < 12; i++) {
        hold(OK, 30, 1);
        hold(0, 30, 1);
    }
    assert_int_equal(count_events(CND_KEY_OK), CND_KEYS_QUEUE);
}

static void idle_keys_let_the_device_sleep(void **state)
{
    (void)state;
    hold(0, 30, 1);
    assert_int_equal(cnd_keys_active(&keys), 0);
    hold(OK, 5, 1);
    assert_int_equal(cnd_keys_active(&keys), 1); /* settling: keep the tick */
    hold(0, 30, 1);
    assert_int_equal(cnd_keys_active(&keys), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(a_clean_press_counts_after_20_ms_stable, setup),
        cmocka_unit_test_setup(a_bouncing_key_gives_one_press, setup),
        cmocka_unit_test_setup(a_glitch_shorter_than_20_ms_is_ignored, setup),
        cmocka_unit_test_setup(a_short_release_bounce_is_not_a_second_press, setup),
        cmocka_unit_test_setup(two_presses_are_two_steps, setup),
        cmocka_unit_test_setup(holding_down_repeats_for_scrolling, setup),
        cmocka_unit_test_setup(holding_ok_does_not_repeat, setup),
        cmocka_unit_test_setup(without_auto_repeat_a_held_key_is_one_press, setup),
        cmocka_unit_test_setup(each_line_gives_its_own_engine_key, setup),
        cmocka_unit_test_setup(quick_exit_drops_keys_pressed_before_it, setup),
        cmocka_unit_test_setup(keys_already_handled_are_not_replayed_by_exit, setup),
        cmocka_unit_test_setup(a_key_held_at_power_on_counts_once_it_settles, setup),
        cmocka_unit_test_setup(debounce_works_across_the_millisecond_counter_wrap, setup),
        cmocka_unit_test_setup(a_flood_of_presses_keeps_the_first_eight, setup),
        cmocka_unit_test_setup(idle_keys_let_the_device_sleep, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
