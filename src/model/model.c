#include "model/model.h"

#include <string.h>

#include "util/buf.h"

const kind_desc *model_kind(int id)
{
    return id >= 0 && id < K__COUNT ? &model_kinds[id] : NULL;
}

const kind_desc *model_kind_by_path(const char *path, size_t len)
{
    for (int i = 0; i < K__COUNT; i++) {
        const char *p = model_kinds[i].path;
        if (p && strlen(p) == len && !memcmp(p, path, len))
            return &model_kinds[i];
    }
    return NULL;
}

const kind_desc *model_kind_by_name(const char *name)
{
    for (int i = 0; i < K__COUNT; i++)
        if (model_kinds[i].name && !strcmp(model_kinds[i].name, name))
            return &model_kinds[i];
    return NULL;
}

const field *model_field(const field *fields, const char *name)
{
    for (const field *f = fields; f && f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

const param *model_param(const kind_desc *k, const char *name)
{
    for (const param *p = k->params; p && p->name; p++)
        if (!strcmp(p->name, name))
            return p;
    if (k->ops & OP_META_FILTERS)
        for (const param *p = model_meta_params; p->name; p++)
            if (!strcmp(p->name, name))
                return p;
    return NULL;
}

const sortkey *model_sort(const kind_desc *k, const char *name)
{
    for (const sortkey *s = k->sorts; s && s->name; s++)
        if (!strcmp(s->name, name))
            return s;
    return NULL;
}

static int same_path(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

const sortkey *model_sort_column(const kind_desc *k, const sortkey *sk)
{
    for (const sortkey *s = k->sorts; s && s->name; s++)
        if (s->src == sk->src && s->missing_last == sk->missing_last && same_path(s->path, sk->path))
            return s;
    return sk;
}

const expand *model_expand(const kind_desc *k, const char *name)
{
    for (const expand *x = k->expands; x && x->name; x++)
        if (!strcmp(x->name, name))
            return x;
    return NULL;
}

int model_enum_has(const char *const *enumv, const char *value)
{
    for (const char *const *v = enumv; v && *v; v++)
        if (!strcmp(*v, value))
            return 1;
    return 0;
}

char *model_enum_list(const char *const *enumv)
{
    buf b;
    buf_init(&b);
    size_t n = 0;
    while (enumv && enumv[n])
        n++;
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_adds(&b, i + 1 == n ? " or " : ", ");
        buf_adds(&b, enumv[i]);
    }
    return buf_steal(&b);
}
