/* The admin API's libmicrohttpd glue: the request's headers into an
 * admin_request, the admin_response out with the security headers. */
#ifndef SKOLNAV_ADMIN_HTTP_H
#define SKOLNAV_ADMIN_HTTP_H

#include <microhttpd.h>

#include "store/store.h"

/* path: below /admin/api; uri: the raw request URI (query included). */
enum MHD_Result admin_http_serve(struct MHD_Connection *c, store *st, const char *method, const char *path,
                                 const char *uri, const char *body, size_t bodylen, const char *base_path,
                                 const unsigned char *token_key);

#endif
