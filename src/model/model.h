/*
 * The model table: one description of every SS12000 entity kind.
 *
 * Everything else is driven from here: ingest validation walks `fields`,
 * the store extracts index rows from `index_keys`, `period` and `sorts`,
 * the query parser reads `params`, the serializer walks FT_REF fields for
 * expandReferenceNames and `expands` for _embedded, and the OpenAPI
 * document the server publishes is generated from the same rows.
 * Adding a field or a filter is one row here.
 */
#ifndef SKOLNAV_MODEL_H
#define SKOLNAV_MODEL_H

#include <stddef.h>

/* Entity kinds. The numbers are stored in databases: append only. */
typedef enum {
    K_ORGANISATION = 0,
    K_PERSON,
    K_PLACEMENT,
    K_DUTY,
    K_GROUP,
    K_PROGRAMME,
    K_STUDYPLAN,
    K_SYLLABUS,
    K_SCHOOLUNITOFFERING,
    K_ACTIVITY,
    K_CALENDAREVENT,
    K_ATTENDANCE,
    K_ATTENDANCEEVENT,
    K_ATTENDANCESCHEDULE,
    K_ABSENCE,
    K_AGGREGATEDATTENDANCE,
    K_GRADE,
    K_RESOURCE,
    K_ROOM,
    K_SUBSCRIPTION,
    K__COUNT
} kind_id;

#define K_NONE (-1)

typedef enum {
    FT_STRING,
    FT_UUID,
    FT_DATE,     /* YYYY-MM-DD */
    FT_DATETIME, /* RFC 3339 with offset */
    FT_INT,
    FT_BOOL,
    FT_ENUM,     /* string, one of field.enumv */
    FT_OBJECT,   /* nested object described by field.sub */
    FT_REF,      /* {id, displayName?}; target kind in field.ref */
    FT_URI,
    FT_EMAIL,
    FT_TIME_HM,  /* "HH:MM" (AttendanceScheduleEntry, see DIGEST §9 #13) */
} field_type;

/* field.flags */
enum {
    F_REQUIRED = 1u << 0, /* listed in the schema's required array */
    F_ARRAY = 1u << 1,    /* JSON array of the type */
    F_READONLY = 1u << 2, /* server-assigned on writes (id, meta) */
    F_UNIQUE = 1u << 3,   /* array with uniqueItems */
    F_PERSONREF = 1u << 4,/* FT_REF that is a PersonReference (+securityMarking) */
    F_SERVER = 1u << 5,   /* not in the 2.1 schema, added by the server (DIGEST §9 #12) */
    F_MINONE = 1u << 6,   /* array with minItems 1 */
};

/* Permission categories (the access issue maps grants onto these). */
typedef enum {
    CAT_STANDARD = 0, /* ids, names, meta, organisation structure */
    CAT_CIVICNO,
    CAT_BIRTHDATE,
    CAT_SEX,
    CAT_EMAIL,
    CAT_PHONE,
    CAT_ADDRESS,
    CAT_PHOTO,
    CAT_IDENTIFIERS,
    CAT_RESPONSIBLES,
    CAT_ENROLMENTS,
    CAT__COUNT
} field_category;

typedef struct field {
    const char *name;          /* JSON name, exactly as on the wire */
    field_type type;
    unsigned flags;
    const char *const *enumv;  /* FT_ENUM: NULL-terminated value list */
    const struct field *sub;   /* FT_OBJECT: nested fields, {0}-terminated */
    int ref;                   /* FT_REF: target kind_id */
    int min, max;              /* FT_INT bounds when min < max */
    field_category cat;
    const char *schema;        /* FT_OBJECT: schema name in the OpenAPI doc */
} field;

/*
 * Index keys: named values extracted from an entity's JSON for filters and
 * reverse relations. `path` is dotted; "[]" after a segment iterates an
 * array, e.g. "groupMemberships[].person.id". Each value found becomes one
 * row (kind, key, value, id) in the store's index.
 */
typedef struct index_key {
    const char *key;
    const char *path;
} index_key;

/*
 * How a query parameter filters. The store turns each into SQL.
 */
typedef enum {
    Q_EQ,          /* an index row `key` equals (one of) the value(s) */
    Q_TREE,        /* an index row `key` is the value or an organisation below it */
    Q_VIA,         /* an index row `key` names an entity of `via_kind` whose
                      index row `via_key` equals the value */
    Q_START_LE,    /* period start <= value (open start included when F_OPEN) */
    Q_START_GE,    /* period start >= value */
    Q_START_GT,    /* period start > value */
    Q_END_LE,      /* period end <= value, open end always included */
    Q_END_GE,      /* period end >= value, open end always included */
    Q_END_GT,      /* period end > value, open end always included */
    Q_NAME_CONTAINS, /* case-folded substring of any name field; every value must match */
    Q_REL_TYPE,    /* persons relationship.* family (handled together) */
    Q_REL_ORG,
    Q_REL_START_LE,
    Q_REL_START_GE,
    Q_REL_END_LE,
    Q_REL_END_GE,
    Q_IDENT_VALUE, /* identifier.value / identifier.context (same entry) */
    Q_IDENT_CONTEXT,
    Q_EITHER,      /* Q_VIA on `key` OR Q_EQ on `key2` (calendarEvents student/teacher) */
    Q_CREATED_LE,  /* meta.created.before: created <= value (inclusive) */
    Q_CREATED_GT,  /* meta.created.after: created > value (exclusive) */
    Q_MODIFIED_LE, /* meta.modified.before */
    Q_MODIFIED_GT, /* meta.modified.after */
    Q_CUSTOM,      /* handled by code named after the parameter (aggregatedAttendance window...) */
} query_op;

/* param.flags */
enum {
    P_MULTI = 1u << 0,    /* array parameter: repeated keys or comma separated */
    P_REQUIRED = 1u << 1, /* required on a first page */
    P_OPEN = 1u << 2,     /* Q_START_*: records without a start are included */
};

typedef struct param {
    const char *name;          /* query parameter name, dots and all */
    field_type type;           /* FT_UUID, FT_STRING, FT_DATE, FT_DATETIME, FT_ENUM, FT_BOOL */
    unsigned flags;
    const char *const *enumv;
    query_op op;
    const char *key;           /* index key for Q_EQ/Q_TREE/Q_VIA/Q_EITHER */
    int via_kind;              /* Q_VIA/Q_EITHER: kind of the intermediate entity */
    const char *via_key;       /* Q_VIA/Q_EITHER: index key on the intermediate entity */
    const char *key2;          /* Q_EITHER: second direct index key */
    const char *doc;           /* one line for the OpenAPI document, our own words */
} param;

/* How a sort key's value is derived. */
typedef enum {
    S_COLLATE,  /* Swedish collation key of the string at `path` (or display name) */
    S_TEXT,     /* raw bytes of the string at `path` (codes, dates) */
    S_MODIFIED, /* meta.modified */
} sort_src;

typedef struct sortkey {
    const char *name;  /* e.g. "DisplayNameAsc" (case-sensitive, as the spec has it) */
    sort_src src;
    const char *path;  /* field path; NULL with S_COLLATE means the display name */
    int desc;
    int missing_last;  /* a missing value sorts after every present one (Asc) */
} sortkey;

/* Expansions into _embedded. */
typedef enum {
    E_FORWARD,   /* the entities whose ids are found at `path` (kind `kind`) */
    E_REVERSE,   /* entities of `kind` whose index row `key` is this entity's id */
    E_CUSTOM,    /* a function in expand.c: responsibleFor, groupMemberships, assignmentRoles */
} expand_how;

typedef struct expand {
    const char *name;   /* expand value and _embedded key */
    expand_how how;
    int kind;
    const char *path;   /* E_FORWARD */
    const char *key;    /* E_REVERSE */
    int single;         /* the _embedded value is one object, not an array */
    const char *schema; /* schema name of the embedded item, for the OpenAPI doc */
} expand;

/* Keys of a POST .../lookup body: ids matched through an index key. */
typedef struct lookup_key {
    const char *name;  /* body key, e.g. "civicNos" */
    field_type type;   /* FT_UUID or FT_STRING */
    const char *key;   /* index key, or NULL for the entity id */
    int via_kind;      /* like Q_VIA when not K_NONE */
    const char *via_key;
} lookup_key;

/* kind_desc.ops */
enum {
    OP_LIST = 1u << 0,
    OP_GET = 1u << 1,
    OP_LOOKUP = 1u << 2,
    OP_CREATE = 1u << 3,
    OP_DELETE = 1u << 4,
    OP_META_FILTERS = 1u << 5, /* meta.created.* / meta.modified.* on the list */
    OP_REFNAMES = 1u << 6,     /* expandReferenceNames on list/lookup */
    OP_REFNAMES_GET = 1u << 7, /* expandReferenceNames on GET /{id} */
    OP_LOOKUP_NO_EXPAND = 1u << 8, /* the lookup takes no expand (calendarEvents) */
};

typedef struct kind_desc {
    kind_id id;
    const char *name;        /* EndPointsEnum value, e.g. "Organisation" */
    const char *path;        /* path segment, e.g. "organisations" */
    const char *deleted_key; /* DeletedEntities.data key ("activitites", sic) */
    const char *schema;      /* entity schema name */
    const char *list_schema; /* list envelope schema name */
    const char *tag;         /* OpenAPI tag */
    unsigned ops;
    const field *fields;     /* {0}-terminated */
    const index_key *index_keys;
    const param *params;     /* endpoint-specific list params, {0}-terminated */
    const sortkey *sorts;
    const expand *expands;
    const lookup_key *lookup;
    const char *display;     /* field giving the display name, or NULL */
    const char *const *display_parts; /* several fields joined by a space (persons) */
    const char *period_start;/* field compared by Q_START_* (NULL: none) */
    const char *period_end;  /* field compared by Q_END_* */
} kind_desc;

extern const kind_desc model_kinds[K__COUNT];

/* meta.created.before/after, meta.modified.before/after: on every kind with OP_META_FILTERS. */
extern const param model_meta_params[];

/* Enumerations shared across kinds (DIGEST §5). */
extern const char *const enum_organisation_type[];
extern const char *const enum_school_types[];
extern const char *const enum_duty_role[];
extern const char *const enum_group_types[];
extern const char *const enum_relation_types[];
extern const char *const enum_assignment_role_type[];
extern const char *const enum_absence[];
extern const char *const enum_endpoints[];
extern const char *const enum_curriculum[];
extern const char *const enum_security_marking[];

const kind_desc *model_kind(int id);
const kind_desc *model_kind_by_path(const char *path, size_t len);
const kind_desc *model_kind_by_name(const char *name); /* EndPointsEnum value */
const field *model_field(const field *fields, const char *name);
const param *model_param(const kind_desc *k, const char *name);
const sortkey *model_sort(const kind_desc *k, const char *name);
/* The sort key whose stored rows serve `sk`: the first of k's keys with the
 * same source, path and missing rule. Asc and Desc of one field share rows;
 * Desc reads them backwards. */
const sortkey *model_sort_column(const kind_desc *k, const sortkey *sk);
const expand *model_expand(const kind_desc *k, const char *name);
int model_enum_has(const char *const *enumv, const char *value);
/* "a, b or c" list of an enum for error messages; caller frees. */
char *model_enum_list(const char *const *enumv);

#endif
