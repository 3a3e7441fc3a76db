/*
 * The rows of the model table (see model.h). Field names, enum values,
 * parameter names and sort keys are the SS12000 2.1 wire names exactly.
 */
#include "model.h"

#define END {0}
#define REF(n, k, fl) { .name = n, .type = FT_REF, .flags = (fl), .ref = (k) }
#define PREF(n, fl) { .name = n, .type = FT_REF, .flags = (fl) | F_PERSONREF, .ref = K_PERSON }

static const field meta_fields[] = {
    { .name = "created", .type = FT_DATETIME, .flags = F_REQUIRED },
    { .name = "modified", .type = FT_DATETIME, .flags = F_REQUIRED },
    END,
};
#define ID_FIELD { .name = "id", .type = FT_UUID, .flags = F_REQUIRED }
#define ID_FIELD_RO { .name = "id", .type = FT_UUID, .flags = F_REQUIRED | F_READONLY }
#define META_FIELD { .name = "meta", .type = FT_OBJECT, .flags = F_REQUIRED | F_READONLY, \
                     .sub = meta_fields, .schema = "Meta" }

/* The generic date-window parameters of DIGEST §2.5. */
#define PERIOD_PARAMS(openstart)                                                            \
    { .name = "startDate.onOrBefore", .type = FT_DATE, .op = Q_START_LE, .flags = (openstart), \
      .doc = "Only records whose startDate is on or before this date." },                    \
    { .name = "startDate.onOrAfter", .type = FT_DATE, .op = Q_START_GE, .flags = (openstart), \
      .doc = "Only records whose startDate is on or after this date." },                     \
    { .name = "endDate.onOrBefore", .type = FT_DATE, .op = Q_END_LE,                          \
      .doc = "Only records whose endDate is on or before this date; records without an endDate are always included." }, \
    { .name = "endDate.onOrAfter", .type = FT_DATE, .op = Q_END_GE,                           \
      .doc = "Only records whose endDate is on or after this date; records without an endDate are always included." }

/* ---------------------------------------------------------------- Organisation */

static const char *const org_address_type[] = { "Besöksadress", "Leveransadress", "Postadress", "Fakturaadress", 0 };
static const field org_address[] = {
    { .name = "type", .type = FT_ENUM, .enumv = org_address_type },
    { .name = "streetAddress", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "locality", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "postalCode", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "countyCode", .type = FT_INT },
    { .name = "municipalityCode", .type = FT_INT },
    { .name = "realEstateDesignation", .type = FT_STRING },
    { .name = "country", .type = FT_STRING },
    END,
};
static const char *const contact_info_type[] = { "Support", "Publik", 0 };
static const field contact_info[] = {
    { .name = "infoType", .type = FT_ENUM, .enumv = contact_info_type },
    { .name = "info", .type = FT_STRING },
    END,
};
static const field organisation_fields[] = {
    ID_FIELD,
    META_FIELD,
    { .name = "displayName", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "organisationCode", .type = FT_STRING },
    { .name = "organisationType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_organisation_type },
    { .name = "organisationNumber", .type = FT_STRING },
    REF("parentOrganisation", K_ORGANISATION, 0),
    { .name = "schoolUnitCode", .type = FT_STRING },
    { .name = "schoolTypes", .type = FT_ENUM, .flags = F_ARRAY | F_UNIQUE, .enumv = enum_school_types },
    { .name = "address", .type = FT_OBJECT, .sub = org_address, .schema = "Organisation_address" },
    { .name = "municipalityCode", .type = FT_STRING },
    { .name = "url", .type = FT_URI },
    { .name = "email", .type = FT_EMAIL },
    { .name = "phoneNumber", .type = FT_STRING },
    { .name = "contactInfo", .type = FT_OBJECT, .flags = F_ARRAY, .sub = contact_info, .schema = "ContactInfo" },
    { .name = "startDate", .type = FT_DATE },
    { .name = "endDate", .type = FT_DATE },
    END,
};
static const index_key organisation_index[] = {
    { "parent", "parentOrganisation.id" },
    { "schoolUnitCode", "schoolUnitCode" },
    { "organisationCode", "organisationCode" },
    { "municipalityCode", "municipalityCode" },
    { "type", "organisationType" },
    { "schoolTypes", "schoolTypes[]" },
    END,
};
static const param organisation_params[] = {
    { .name = "parent", .type = FT_UUID, .flags = P_MULTI, .op = Q_EQ, .key = "parent",
      .doc = "Only organisations whose parentOrganisation is one of these ids." },
    { .name = "schoolUnitCode", .type = FT_STRING, .flags = P_MULTI, .op = Q_EQ, .key = "schoolUnitCode",
      .doc = "Only school units with one of these school unit codes." },
    { .name = "organisationCode", .type = FT_STRING, .flags = P_MULTI, .op = Q_EQ, .key = "organisationCode",
      .doc = "Only organisations with one of these organisation codes." },
    { .name = "municipalityCode", .type = FT_STRING, .op = Q_EQ, .key = "municipalityCode",
      .doc = "Only organisations with this municipality code." },
    { .name = "type", .type = FT_ENUM, .flags = P_MULTI, .enumv = enum_organisation_type, .op = Q_EQ, .key = "type",
      .doc = "Only organisations of one of these types." },
    { .name = "schoolTypes", .type = FT_ENUM, .flags = P_MULTI, .enumv = enum_school_types, .op = Q_EQ, .key = "schoolTypes",
      .doc = "Only organisations offering one of these school types." },
    PERIOD_PARAMS(P_OPEN),
    END,
};
static const sortkey organisation_sorts[] = {
    { .name = "ModifiedDesc", .src = S_MODIFIED, .desc = 1 },
    { .name = "DisplayNameAsc", .src = S_COLLATE },
    END,
};
static const lookup_key organisation_lookup[] = {
    { .name = "ids", .type = FT_UUID },
    { .name = "schoolUnitCodes", .type = FT_STRING, .key = "schoolUnitCode", .via_kind = K_NONE },
    { .name = "organisationCodes", .type = FT_STRING, .key = "organisationCode", .via_kind = K_NONE },
    END,
};

/* ---------------------------------------------------------------- Room */

static const field room_fields[] = {
    ID_FIELD,
    META_FIELD,
    { .name = "displayName", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "seats", .type = FT_INT },
    REF("owner", K_ORGANISATION, F_REQUIRED),
    END,
};
static const index_key owner_index[] = {
    { "owner", "owner.id" },
    END,
};
static const param owner_params[] = {
    { .name = "organisation", .type = FT_UUID, .op = Q_EQ, .key = "owner",
      .doc = "Only records owned by this organisation." },
    END,
};
static const sortkey modified_display_sorts[] = {
    { .name = "ModifiedDesc", .src = S_MODIFIED, .desc = 1 },
    { .name = "DisplayNameAsc", .src = S_COLLATE },
    END,
};
static const lookup_key id_lookup[] = {
    { .name = "ids", .type = FT_UUID },
    END,
};

const kind_desc model_kinds[K__COUNT] = {
    [K_ORGANISATION] = {
        .id = K_ORGANISATION, .name = "Organisation", .path = "organisations",
        .deleted_key = "organisations", .schema = "Organisation", .list_schema = "Organisations",
        .tag = "Organisation",
        .ops = OP_LIST | OP_GET | OP_LOOKUP | OP_META_FILTERS | OP_REFNAMES | OP_REFNAMES_GET,
        .fields = organisation_fields, .index_keys = organisation_index,
        .params = organisation_params, .sorts = organisation_sorts, .lookup = organisation_lookup,
        .display = "displayName", .period_start = "startDate", .period_end = "endDate",
    },
    [K_ROOM] = {
        .id = K_ROOM, .name = "Room", .path = "rooms", .deleted_key = "rooms",
        .schema = "Room", .list_schema = "Rooms", .tag = "Rum och resurser",
        .ops = OP_LIST | OP_GET | OP_LOOKUP | OP_META_FILTERS | OP_REFNAMES | OP_REFNAMES_GET,
        .fields = room_fields, .index_keys = owner_index, .params = owner_params,
        .sorts = modified_display_sorts, .lookup = id_lookup, .display = "displayName",
    },
};
