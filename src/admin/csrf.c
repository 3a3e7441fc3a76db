#include "admin/csrf.h"

#include <sodium.h>
#include <string.h>

void csrf_token(const char *session_id, char out[CSRF_TOKEN_LEN])
{
    unsigned char h[32];
    static const char label[] = "skolnav admin csrf";
    crypto_generichash(h, sizeof h, (const unsigned char *)label, sizeof label - 1,
                       (const unsigned char *)session_id, strlen(session_id));
    sodium_bin2hex(out, CSRF_TOKEN_LEN, h, sizeof h);
}

int csrf_check(const char *session_id, const char *header)
{
    char want[CSRF_TOKEN_LEN];
    csrf_token(session_id, want);
    if (!header || strlen(header) != CSRF_TOKEN_LEN - 1)
        return -1;
    return sodium_memcmp(want, header, CSRF_TOKEN_LEN - 1) ? -1 : 0;
}
