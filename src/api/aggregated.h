/*
 * GET /aggregatedAttendance: attendance summed per student and activity over
 * a window of days, computed from the hub's own calendar events and
 * attendance records (never stored input). docs/api.md says exactly how
 * each figure is computed.
 */
#ifndef SKOLNAV_AGGREGATED_H
#define SKOLNAV_AGGREGATED_H

#include "api/handlers.h"

/* Answers one page of the list for the parsed query q (with its cursor). */
int aggregated_list(request *rq, const kind_desc *k, query *q, response *rs, api_error *e);

#endif
