#include "admin/roles.h"

#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} roles[] = {
    { "administrator", ROLE_ADMINISTRATOR },
    { "access-manager", ROLE_ACCESS_MANAGER },
    { "viewer", ROLE_VIEWER },
    { "dpo", ROLE_DPO },
};

unsigned role_by_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof roles / sizeof *roles; i++)
        if (!strcmp(roles[i].name, name))
            return roles[i].bit;
    return 0;
}

const char *role_name(unsigned role)
{
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
        if (roles[i].bit == role)
            return roles[i].name;
    return "";
}

const char *role_list(void)
{
    return "administrator, access-manager, viewer or dpo";
}
