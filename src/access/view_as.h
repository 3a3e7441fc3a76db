/* "View as": one SS12000 request run as a client through its access view
 * with nothing recorded (no ledger, no request log). `skolnav view-as` and
 * the admin API's view as vendor both use it. */
#ifndef SKOLNAV_VIEW_AS_H
#define SKOLNAV_VIEW_AS_H

#include "api/handlers.h"
#include "store/clients.h"

/* Runs method path?query (body for lookups) as c; the answer is in rs
 * (rs->body initialised by the caller). token_key: the store's page-token
 * key, so page tokens work on the server too. */
void view_as_run(store *st, const client *c, const unsigned char *token_key, const char *method, const char *path,
                 const char *query, const char *body, size_t bodylen, response *rs);

#endif
