/*
 * report.h: `candor report`, one self-contained HTML page of tables and
 * charts that is safe to publish (issue 15; docs/REPORT.md).
 *
 * Owns: the statistics of one survey (counts by period and language, each
 * item's distribution with 95 % Wilson intervals, the prevalence of the
 * ILO's 11 indicators, the ICLS 2018 forced-labour statistic and its
 * breakdown by declared grouping items, the C189 rights table, "prefer not
 * to answer" rates and interviews per ISO week), cell suppression
 * (suppress.h) of every table, and the HTML with inline SVG.
 * Never: shows a count below the threshold (5; 10 for items coded with
 * physical_and_sexual_violence) or one that row or column totals would give
 * back; breaks down by anything but period, language and items tagged
 * "group"; loads anything from the network or needs JavaScript; leaves a
 * partial file.
 * RAM: host only; the dataset (dataset.h) plus the page text.
 */
#ifndef CND_REPORT_H
#define CND_REPORT_H

/* `candor report STORE --key KEY -o report.html [--period P] [--survey ID]`;
 * returns a CND_EXIT_* code. */
int cnd_cmd_report(int argc, char **argv);

#endif
