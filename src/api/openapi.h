/*
 * The server's own OpenAPI 3.0.2 document, generated from the model table.
 *
 * It describes the SS12000:2020 API v2.1 as this server implements it: the
 * 59 paths and 69 operations of the specification, with the known spec bugs
 * fixed (DIGEST §9: lookup response types, SchoolUnitOffering id/meta,
 * AttendanceScheduleEntry.endTime, phantom required names).
 */
#ifndef SKOLNAV_OPENAPI_H
#define SKOLNAV_OPENAPI_H

#include <jansson.h>

/*
 * Builds the document; base_path (e.g. "/v2.0") becomes servers[0].url.
 * A pure function: every call builds a fresh document, which the caller
 * owns (json_decref). Returns NULL when out of memory.
 */
json_t *openapi_document(const char *base_path);

#endif
