/*
 * The subscription operations and the feedback channel (POST /log/ and
 * /statistics/): the routes of handlers.c that are not entity kinds.
 */
#ifndef SKOLNAV_SUBSCRIPTIONS_API_H
#define SKOLNAV_SUBSCRIPTIONS_API_H

#include "api/handlers.h"

int subs_op_list(request *rq, const char *id, response *rs, api_error *e);
int subs_op_create(request *rq, const char *id, response *rs, api_error *e);
int subs_op_get(request *rq, const char *id, response *rs, api_error *e);
int subs_op_renew(request *rq, const char *id, response *rs, api_error *e);
int subs_op_delete(request *rq, const char *id, response *rs, api_error *e);

/* feedback.c */
#define FEEDBACK_BODY_MAX 16384   /* bytes of one entry */
#define FEEDBACK_PER_MINUTE 120   /* entries one client may send per minute */
#define FEEDBACK_KEEP 10000       /* newest entries kept per client and channel */
int feedback_op_log(request *rq, const char *id, response *rs, api_error *e);
int feedback_op_statistics(request *rq, const char *id, response *rs, api_error *e);

#endif
