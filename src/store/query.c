#include "store/query.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

void query_init(query *q, const kind_desc *k)
{
    memset(q, 0, sizeof *q);
    q->kind = k;
}

void query_free(query *q)
{
    for (size_t i = 0; i < q->nf; i++) {
        for (size_t j = 0; j < q->f[i].n; j++)
            free(q->f[i].v[j]);
        free(q->f[i].v);
    }
    free(q->cur_v);
    free(q->canon);
    memset(q, 0, sizeof *q);
}

void query_add(query *q, const param *p, const char *const *values, size_t n)
{
    if (q->nf >= QUERY_MAX_FILTERS)
        return;
    query_filter *f = &q->f[q->nf++];
    f->p = p;
    f->n = n;
    f->v = xcalloc(n ? n : 1, sizeof *f->v);
    for (size_t i = 0; i < n; i++)
        f->v[i] = xstrdup(values[i]);
}

const query_filter *query_find(const query *q, query_op op)
{
    for (size_t i = 0; i < q->nf; i++)
        if (q->f[i].p->op == op)
            return &q->f[i];
    return NULL;
}
