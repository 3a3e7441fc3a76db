#include "admin/http.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/csrf.h"
#include "util/log.h"

static void address(struct MHD_Connection *c, char out[INET6_ADDRSTRLEN])
{
    snprintf(out, INET6_ADDRSTRLEN, "unknown");
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, INET6_ADDRSTRLEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, INET6_ADDRSTRLEN);
}

enum MHD_Result admin_http_serve(struct MHD_Connection *c, store *st, const char *method, const char *path,
                                 const char *uri, const char *body, size_t bodylen, const char *base_path,
                                 const unsigned char *token_key)
{
    char addr[INET6_ADDRSTRLEN];
    address(c, addr);
    const char *q = strchr(uri, '?');
    admin_request rq = {
        .method = method,
        .path = path,
        .query = q ? q + 1 : NULL,
        .body = body,
        .bodylen = bodylen,
        .cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE),
        .csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, CSRF_HEADER),
        .address = addr,
        .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .base_path = base_path,
        .token_key = token_key,
    };
    admin_response rs;
    admin_response_init(&rs);
    if (st) {
        admin_handle(st, &rq, &rs);
    } else {
        rs.status = 503;
        buf_adds(&rs.body, "{\"code\":\"INTERNAL_ERROR\",\"message\":\"the store cannot be opened; see the server log\"}");
    }
    if (rs.status >= 500)
        log_msg(LOG_ERR, "admin %s %s -> %d", method, path, rs.status);
    else
        log_msg(LOG_DEBUG, "admin %s %s -> %d", method, path, rs.status);
    size_t len = rs.body.len;
    char *data = buf_steal(&rs.body);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        admin_response_free(&rs);
        return MHD_NO;
    }
    if (rs.status != 204 && rs.status != 302)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                rs.content_type ? rs.content_type : "application/json; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    for (int i = 0; i < rs.nheaders; i++)
        MHD_add_response_header(r, rs.hname[i], rs.hvalue[i]);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)rs.status, r);
    MHD_destroy_response(r);
    admin_response_free(&rs);
    return rc;
}
