/*
 * The demo's timetable and attendance data: calendar events for the
 * activities, attendance at past lessons, absences (some reported in
 * advance), check-in/check-out events and care-time schedules for the
 * preschool and after-school placements, and grades for year 6, year 9
 * and the gymnasieskola.
 *
 * It is generated from what the register generator (demo.c) has already
 * stored, reading activities, groups, duties, rooms and placements back
 * through the store interface, so it depends on nothing but the stored
 * data and the seed. The volume is proportionate to the scale: Mittköping
 * gets the whole term of lessons, the larger scales a window around today
 * (see docs/operations.md).
 */
#ifndef SKOLNAV_DEMO_TIMETABLE_H
#define SKOLNAV_DEMO_TIMETABLE_H

#include <stdint.h>
#include <stdio.h>

#include "demo/demo.h"
#include "store/store.h"

typedef struct demo_tt_stats {
    size_t events, attendances, absences, attendance_events, schedules, grades, deleted;
} demo_tt_stats;

/* Writes the data through ingest_batch. now_ms is the demo's "now". Returns
 * 0, or -1 when a batch was rejected or the store failed (reported to log). */
int demo_timetable(store *st, demo_scale scale, uint64_t seed, int64_t now_ms, FILE *log, demo_tt_stats *stats);

#endif
