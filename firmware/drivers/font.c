/* font.c: glyph lookup in the generated font tables (see font.h). */
#include "font.h"

uint8_t cnd_font_glyph(uint32_t cp)
{
    uint32_t lo = 0, hi = cnd_font_glyph_count;
    if (cp > 0xFFFFu)
        return cnd_font_replacement;
    while (lo < hi) { /* binary search over the sorted code points */
        uint32_t mid = lo + (hi - lo) / 2u;
        if (cnd_font_map_cp[mid] < cp)
            lo = mid + 1u;
        else
            hi = mid;
    }
    if (lo < cnd_font_glyph_count && cnd_font_map_cp[lo] == cp)
        return (uint8_t)lo;
    return cnd_font_replacement;
}

const uint8_t *cnd_font_bitmap(uint8_t g)
{
    if (g >= cnd_font_glyph_count)
        g = cnd_font_replacement;
    return cnd_font_bitmaps[g];
}

uint32_t cnd_font_codepoint(uint8_t g)
{
    return g < cnd_font_glyph_count ? cnd_font_map_cp[g] : 0xFFFDu;
}
