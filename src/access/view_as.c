#include "access/view_as.h"

#include <stdlib.h>
#include <string.h>

#include "access/access.h"

void view_as_run(store *st, const client *c, const unsigned char *token_key, const char *method, const char *path,
                 const char *query, const char *body, size_t bodylen, response *rs)
{
    api_error e;
    if (access_admit(c, &e)) {
        api_error_response(&e, rs);
        return;
    }
    /* The same view the server builds, with recording off. */
    access_view av;
    access_begin(&av, st, c, "view-as", 0);
    char *tpath, *tquery, *tbody;
    access_translate_request(&av, st, path, query, body, bodylen, &tpath, &tquery, &tbody);
    request rq = { .method = method, .path = tpath ? tpath : path, .raw_query = tquery ? tquery : query,
                   .body = tbody ? tbody : body, .bodylen = tbody ? strlen(tbody) : bodylen,
                   .cl = &av.cl, .st = st, .tc = { .key = token_key, .client_id = av.cl.id } };
    if (access_check_request(&av, method, rq.path, rq.raw_query, rq.body, rq.bodylen, &e))
        api_error_response(&e, rs);
    else
        api_handle(&rq, rs);
    access_add_exits(&av, st, rq.path, rq.raw_query, rs->status, &rs->body);
    access_translate_response(&av, rq.path, rs->status, &rs->body);
    access_finish(&av, st, NULL);
    free(tpath);
    free(tquery);
    free(tbody);
}
