/*
 * The rows of the model table (see model.h). Field names, enum values,
 * parameter names and sort keys are the SS12000 2.1 wire names exactly;
 * the one-line parameter docs are our own words.
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
/* Grade is the one kind whose meta the spec leaves optional. */
#define META_FIELD_OPT { .name = "meta", .type = FT_OBJECT, .flags = F_READONLY, \
                         .sub = meta_fields, .schema = "Meta" }

const param model_meta_params[] = {
    { .name = "meta.created.before", .type = FT_DATETIME, .op = Q_CREATED_LE,
      .doc = "Only records created at or before this time." },
    { .name = "meta.created.after", .type = FT_DATETIME, .op = Q_CREATED_GT,
      .doc = "Only records created strictly after this time." },
    { .name = "meta.modified.before", .type = FT_DATETIME, .op = Q_MODIFIED_LE,
      .doc = "Only records last modified at or before this time." },
    { .name = "meta.modified.after", .type = FT_DATETIME, .op = Q_MODIFIED_GT,
      .doc = "Only records last modified strictly after this time." },
    END,
};

/* The date-window parameters of DIGEST §2.5. */
#define PERIOD_PARAMS(openstart)                                                            \
    { .name = "startDate.onOrBefore", .type = FT_DATE, .op = Q_START_LE, .flags = (openstart), \
      .doc = "Only records whose startDate is on or before this date." },                    \
    { .name = "startDate.onOrAfter", .type = FT_DATE, .op = Q_START_GE, .flags = (openstart), \
      .doc = "Only records whose startDate is on or after this date." },                     \
    { .name = "endDate.onOrBefore", .type = FT_DATE, .op = Q_END_LE,                          \
      .doc = "Only records whose endDate is on or before this date; records without an endDate are always included." }, \
    { .name = "endDate.onOrAfter", .type = FT_DATE, .op = Q_END_GE,                           \
      .doc = "Only records whose endDate is on or after this date; records without an endDate are always included." }

#define MODIFIED_DESC { .name = "ModifiedDesc", .src = S_MODIFIED, .desc = 1 }
#define DATE_SORTS(startf, endf, Start, End)                                              \
    { .name = Start "Asc", .src = S_TEXT, .path = startf },                                 \
    { .name = Start "Desc", .src = S_TEXT, .path = startf, .desc = 1 },                   \
    { .name = End "Asc", .src = S_TEXT, .path = endf, .missing_last = 1 },                \
    { .name = End "Desc", .src = S_TEXT, .path = endf, .desc = 1, .missing_last = 1 }

/* Every lookup takes ids; via_kind is explicit because K_ORGANISATION is 0. */
#define IDS { .name = "ids", .type = FT_UUID, .via_kind = K_NONE }

/* ---------------------------------------------------------------- shared rows */

static const sortkey modified_display_sorts[] = {
    MODIFIED_DESC,
    { .name = "DisplayNameAsc", .src = S_COLLATE },
    END,
};
static const sortkey period_sorts[] = {
    DATE_SORTS("startDate", "endDate", "StartDate", "EndDate"),
    MODIFIED_DESC,
    END,
};
static const sortkey modified_period_sorts[] = {
    MODIFIED_DESC,
    DATE_SORTS("startDate", "endDate", "StartDate", "EndDate"),
    END,
};
static const sortkey time_sorts[] = {
    MODIFIED_DESC,
    { .name = "StartTimeAsc", .src = S_TEXT, .path = "startTime" },
    { .name = "StartTimeDesc", .src = S_TEXT, .path = "startTime", .desc = 1 },
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
static const lookup_key id_lookup[] = { IDS, END };

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
    { .name = "schoolTypes", .type = FT_ENUM, .flags = P_MULTI, .enumv = enum_school_types, .op = Q_EQ,
      .key = "schoolTypes", .doc = "Only organisations offering one of these school types." },
    PERIOD_PARAMS(P_OPEN),
    END,
};
static const lookup_key organisation_lookup[] = {
    IDS,
    { .name = "schoolUnitCodes", .type = FT_STRING, .key = "schoolUnitCode", .via_kind = K_NONE },
    { .name = "organisationCodes", .type = FT_STRING, .key = "organisationCode", .via_kind = K_NONE },
    END,
};

/* ---------------------------------------------------------------- Person */

static const field person_ext_identifier[] = {
    { .name = "value", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "context", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "globallyUnique", .type = FT_BOOL, .flags = F_REQUIRED },
    END,
};
static const field person_civic_no[] = {
    { .name = "value", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "nationality", .type = FT_STRING },
    END,
};
static const char *const person_sex[] = { "Man", "Kvinna", "Okänt", 0 };
static const char *const person_status[] = { "Aktiv", "Utvandrad", "Avliden", 0 };
static const char *const email_type[] = { "Privat", "Skola elev", "Skola personal", "Arbete övrigt", 0 };
static const char *const email_school_types[] = { "Skola elev", "Skola personal", 0 };
static const field person_email[] = {
    { .name = "value", .type = FT_EMAIL, .flags = F_REQUIRED },
    { .name = "type", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = email_type },
    END,
};
static const char *const phone_type[] = { "Hem", "Arbete", 0 };
static const field person_phone[] = {
    { .name = "value", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "type", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = phone_type },
    { .name = "mobile", .type = FT_BOOL, .flags = F_REQUIRED },
    END,
};
static const char *const person_address_type[] = {
    "Folkbokföring", "Särskild postadress", "Tillfällig adress", "Postadress", 0,
};
static const field person_address[] = {
    { .name = "type", .type = FT_ENUM, .enumv = person_address_type },
    { .name = "streetAddress", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "locality", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "postalCode", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "countyCode", .type = FT_INT },
    { .name = "municipalityCode", .type = FT_INT },
    { .name = "realEstateDesignation", .type = FT_STRING },
    { .name = "country", .type = FT_STRING, .flags = F_REQUIRED },
    END,
};
static const field person_enrolment[] = {
    REF("enroledAt", K_ORGANISATION, F_REQUIRED),
    { .name = "schoolYear", .type = FT_INT, .min = 0, .max = 10 },
    { .name = "schoolType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_school_types },
    { .name = "startDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "endDate", .type = FT_DATE },
    { .name = "cancelled", .type = FT_BOOL },
    { .name = "educationCode", .type = FT_STRING },
    REF("programme", K_PROGRAMME, 0),
    { .name = "specification", .type = FT_STRING },
    END,
};
static const field person_responsible[] = {
    PREF("person", 0),
    { .name = "relationType", .type = FT_ENUM, .enumv = enum_relation_types },
    END,
};
static const field person_fields[] = {
    ID_FIELD,
    META_FIELD,
    { .name = "givenName", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "middleName", .type = FT_STRING },
    { .name = "familyName", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "eduPersonPrincipalNames", .type = FT_STRING, .flags = F_ARRAY | F_UNIQUE, .cat = CAT_IDENTIFIERS },
    { .name = "externalIdentifiers", .type = FT_OBJECT, .flags = F_ARRAY, .sub = person_ext_identifier,
      .schema = "externalIdentifier", .cat = CAT_IDENTIFIERS },
    { .name = "civicNo", .type = FT_OBJECT, .sub = person_civic_no, .schema = "Person_civicNo", .cat = CAT_CIVICNO },
    { .name = "birthDate", .type = FT_DATE, .cat = CAT_BIRTHDATE },
    { .name = "sex", .type = FT_ENUM, .enumv = person_sex, .cat = CAT_SEX },
    { .name = "securityMarking", .type = FT_ENUM, .enumv = enum_security_marking },
    { .name = "personStatus", .type = FT_ENUM, .enumv = person_status },
    { .name = "emails", .type = FT_OBJECT, .flags = F_ARRAY, .sub = person_email, .schema = "Email", .cat = CAT_EMAIL,
      .cat_key = "type", .cat_values = email_school_types, .cat_alt = CAT_EMAIL_SCHOOL },
    { .name = "phoneNumbers", .type = FT_OBJECT, .flags = F_ARRAY, .sub = person_phone,
      .schema = "Phonenumber", .cat = CAT_PHONE },
    { .name = "addresses", .type = FT_OBJECT, .flags = F_ARRAY, .sub = person_address,
      .schema = "Person_addresses_inner", .cat = CAT_ADDRESS },
    { .name = "photo", .type = FT_URI, .cat = CAT_PHOTO },
    { .name = "enrolments", .type = FT_OBJECT, .flags = F_ARRAY, .sub = person_enrolment,
      .schema = "Enrolment", .cat = CAT_STUDENTS },
    { .name = "responsibles", .type = FT_OBJECT, .flags = F_ARRAY, .sub = person_responsible,
      .schema = "Person_responsibles_inner", .cat = CAT_RESPONSIBLES },
    END,
};
static const index_key person_index[] = {
    { "civicNo", "civicNo.value" },
    { "eppn", "eduPersonPrincipalNames[]" },
    { "responsible", "responsibles[].person.id" },
    { "enroledAt", "enrolments[].enroledAt.id" },
    { "securityMarking", "securityMarking" }, /* protected identities, for the access view */
    END,
};
static const char *const rel_entity_type[] = {
    "enrolment", "duty", "placement.child", "placement.owner", "responsibleFor.enrolment",
    "responsibleFor.placement", "groupMembership", 0,
};
static const param person_params[] = {
    { .name = "nameContains", .type = FT_STRING, .flags = P_MULTI, .op = Q_NAME_CONTAINS,
      .doc = "Only persons whose given, middle or family name contains each of these strings (case-insensitive)." },
    { .name = "civicNo", .type = FT_STRING, .op = Q_EQ, .key = "civicNo",
      .doc = "Only the person with this civic number (12 characters, no hyphen)." },
    { .name = "eduPersonPrincipalName", .type = FT_STRING, .op = Q_EQ, .key = "eppn",
      .doc = "Only the person with this eduPersonPrincipalName." },
    { .name = "identifier.value", .type = FT_STRING, .op = Q_IDENT_VALUE,
      .doc = "Only persons with an external identifier of this value (with identifier.context: in the same entry)." },
    { .name = "identifier.context", .type = FT_STRING, .op = Q_IDENT_CONTEXT,
      .doc = "Only persons with an external identifier in this context." },
    { .name = "relationship.entity.type", .type = FT_ENUM, .enumv = rel_entity_type, .op = Q_REL_TYPE,
      .doc = "The kind of relation the other relationship parameters look at; alone, persons having such a relation." },
    { .name = "relationship.organisation", .type = FT_UUID, .op = Q_REL_ORG,
      .doc = "Only persons related to this organisation (or one below it) through the chosen relation." },
    { .name = "relationship.startDate.onOrBefore", .type = FT_DATE, .op = Q_REL_START_LE,
      .doc = "Only relations starting on or before this date (open starts match)." },
    { .name = "relationship.startDate.onOrAfter", .type = FT_DATE, .op = Q_REL_START_GE,
      .doc = "Only relations starting on or after this date (open starts match)." },
    { .name = "relationship.endDate.onOrBefore", .type = FT_DATE, .op = Q_REL_END_LE,
      .doc = "Only relations ending on or before this date (open ends match)." },
    { .name = "relationship.endDate.onOrAfter", .type = FT_DATE, .op = Q_REL_END_GE,
      .doc = "Only relations ending on or after this date (open ends match)." },
    END,
};
static const sortkey person_sorts[] = {
    { .name = "DisplayNameAsc", .src = S_COLLATE },
    { .name = "GivenNameDesc", .src = S_COLLATE, .path = "givenName", .desc = 1 },
    { .name = "GivenNameAsc", .src = S_COLLATE, .path = "givenName" },
    { .name = "FamilyNameDesc", .src = S_COLLATE, .path = "familyName", .desc = 1 },
    { .name = "FamilyNameAsc", .src = S_COLLATE, .path = "familyName" },
    { .name = "CivicNoAsc", .src = S_TEXT, .path = "civicNo.value" },
    { .name = "CivicNoDesc", .src = S_TEXT, .path = "civicNo.value", .desc = 1 },
    MODIFIED_DESC,
    END,
};
static const expand person_expands[] = {
    { .name = "duties", .how = E_REVERSE, .kind = K_DUTY, .key = "person", .schema = "Duty" },
    { .name = "responsibleFor", .how = E_CUSTOM, .kind = K_PERSON, .schema = "Person_responsibles_inner" },
    { .name = "placements", .how = E_REVERSE, .kind = K_PLACEMENT, .key = "child", .schema = "Placement" },
    { .name = "ownedPlacements", .how = E_REVERSE, .kind = K_PLACEMENT, .key = "owner", .schema = "Placement" },
    { .name = "groupMemberships", .how = E_CUSTOM, .kind = K_GROUP,
      .schema = "PersonExpanded_allOf__embedded_groupMemberships" },
    END,
};
static const lookup_key person_lookup[] = {
    IDS,
    { .name = "civicNos", .type = FT_STRING, .key = "civicNo", .via_kind = K_NONE },
    END,
};
static const char *const person_display[] = { "givenName", "familyName", 0 };

/* ---------------------------------------------------------------- Placement */

static const char *const placement_school_type[] = { "FS", "FTH", "OPPFTH", 0 };
static const char *const placement_reason[] = { "Omsorgsbehov", "Erbjuden tid", "Eget behov", 0 };
static const field placement_fields[] = {
    ID_FIELD,
    META_FIELD,
    REF("placedAt", K_ORGANISATION, F_REQUIRED),
    REF("group", K_GROUP, 0),
    PREF("child", F_REQUIRED),
    PREF("owners", F_ARRAY),
    { .name = "schoolType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = placement_school_type },
    { .name = "startDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "endDate", .type = FT_DATE },
    { .name = "reason", .type = FT_ENUM, .enumv = placement_reason },
    { .name = "maxWeeklyScheduleHours", .type = FT_INT },
    END,
};
static const index_key placement_index[] = {
    { "placedAt", "placedAt.id" },
    { "group", "group.id" },
    { "child", "child.id" },
    { "owner", "owners[].id" },
    END,
};
static const param placement_params[] = {
    { .name = "organisation", .type = FT_UUID, .op = Q_EQ, .key = "placedAt",
      .doc = "Only placements at this organisation." },
    { .name = "group", .type = FT_UUID, .op = Q_EQ, .key = "group", .doc = "Only placements in this group." },
    PERIOD_PARAMS(0),
    { .name = "child", .type = FT_UUID, .op = Q_EQ, .key = "child", .doc = "Only placements of this child." },
    { .name = "owner", .type = FT_UUID, .op = Q_EQ, .key = "owner",
      .doc = "Only placements with this person among the owners." },
    END,
};
static const expand placement_expands[] = {
    { .name = "child", .how = E_FORWARD, .kind = K_PERSON, .path = "child.id", .single = 1, .schema = "Person" },
    { .name = "owners", .how = E_FORWARD, .kind = K_PERSON, .path = "owners[].id", .schema = "Person" },
    END,
};
/* Rows with the same name are unioned: a person's placements are those
 * where the person is the child or an owner. */
static const lookup_key placement_lookup[] = {
    IDS,
    { .name = "personIds", .type = FT_UUID, .key = "child", .via_kind = K_NONE },
    { .name = "personIds", .type = FT_UUID, .key = "owner", .via_kind = K_NONE },
    END,
};

/* ---------------------------------------------------------------- Duty */

static const field duty_assignment_role[] = {
    REF("group", K_GROUP, F_REQUIRED),
    { .name = "assignmentRoleType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_assignment_role_type },
    { .name = "startDate", .type = FT_DATE },
    { .name = "endDate", .type = FT_DATE },
    END,
};
static const field duty_fields[] = {
    ID_FIELD,
    META_FIELD,
    PREF("person", 0),
    { .name = "assignmentRole", .type = FT_OBJECT, .flags = F_ARRAY, .sub = duty_assignment_role,
      .schema = "Duty_assignmentRole_inner" },
    REF("dutyAt", K_ORGANISATION, F_REQUIRED),
    { .name = "dutyRole", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_duty_role },
    { .name = "description", .type = FT_STRING },
    { .name = "signature", .type = FT_STRING },
    { .name = "dutyPercent", .type = FT_INT },
    { .name = "hoursPerYear", .type = FT_INT },
    { .name = "startDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "endDate", .type = FT_DATE },
    END,
};
static const index_key duty_index[] = {
    { "person", "person.id" },
    { "dutyAt", "dutyAt.id" },
    { "dutyRole", "dutyRole" },
    { "assignmentGroup", "assignmentRole[].group.id" },
    END,
};
static const param duty_params[] = {
    { .name = "organisation", .type = FT_UUID, .op = Q_TREE, .key = "dutyAt",
      .doc = "Only duties at this organisation or one below it." },
    { .name = "dutyRole", .type = FT_ENUM, .enumv = enum_duty_role, .op = Q_EQ, .key = "dutyRole",
      .doc = "Only duties with this role." },
    { .name = "person", .type = FT_UUID, .op = Q_EQ, .key = "person", .doc = "Only duties of this person." },
    PERIOD_PARAMS(0),
    END,
};
static const sortkey duty_sorts[] = {
    { .name = "StartDateDesc", .src = S_TEXT, .path = "startDate", .desc = 1 },
    { .name = "StartDateAsc", .src = S_TEXT, .path = "startDate" },
    MODIFIED_DESC,
    END,
};
static const expand duty_expands[] = {
    { .name = "person", .how = E_FORWARD, .kind = K_PERSON, .path = "person.id", .single = 1, .schema = "Person" },
    END,
};

/* ---------------------------------------------------------------- Group */

static const field group_membership[] = {
    PREF("person", F_REQUIRED),
    { .name = "startDate", .type = FT_DATE },
    { .name = "endDate", .type = FT_DATE },
    END,
};
static const field group_fields[] = {
    ID_FIELD,
    META_FIELD,
    { .name = "displayName", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "startDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "endDate", .type = FT_DATE },
    { .name = "groupType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_group_types },
    { .name = "schoolType", .type = FT_ENUM, .enumv = enum_school_types },
    REF("organisation", K_ORGANISATION, F_REQUIRED),
    { .name = "groupMemberships", .type = FT_OBJECT, .flags = F_ARRAY, .sub = group_membership,
      .schema = "GroupMembership" },
    END,
};
static const index_key group_index[] = {
    { "groupType", "groupType" },
    { "schoolType", "schoolType" },
    { "organisation", "organisation.id" },
    { "member", "groupMemberships[].person.id" },
    END,
};
static const param group_params[] = {
    { .name = "groupType", .type = FT_ENUM, .flags = P_MULTI, .enumv = enum_group_types, .op = Q_EQ,
      .key = "groupType", .doc = "Only groups of one of these types." },
    { .name = "schoolTypes", .type = FT_ENUM, .flags = P_MULTI, .enumv = enum_school_types, .op = Q_EQ,
      .key = "schoolType", .doc = "Only groups whose schoolType is one of these." },
    { .name = "organisation", .type = FT_UUID, .flags = P_MULTI, .op = Q_EQ, .key = "organisation",
      .doc = "Only groups belonging directly to one of these organisations." },
    PERIOD_PARAMS(0),
    END,
};
static const sortkey group_sorts[] = {
    MODIFIED_DESC,
    { .name = "DisplayNameAsc", .src = S_COLLATE },
    DATE_SORTS("startDate", "endDate", "StartDate", "EndDate"),
    END,
};
static const expand group_expands[] = {
    { .name = "assignmentRoles", .how = E_CUSTOM, .kind = K_DUTY,
      .schema = "GroupExpanded_allOf__embedded_assignmentRoles" },
    END,
};

/* ---------------------------------------------------------------- Programme */

static const char *const programme_type[] = {
    "Yrkesprogram", "Högskoleförberedande program", "Intruduktionsprogram", "Nationellt yrkespaket",
    "Regionalt yrkespaket", "Fjärde tekniskt år", "Programinriktning", "Utgång", 0,
};
static const char *const programme_content_type[] = {
    "Gymnasiegemensamma", "Programgemensamma", "Inriktning", "Programfördjupning", "Gymnasiearbete",
    "Individuellt val", 0,
};
static const field programme_content[] = {
    { .name = "type", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = programme_content_type },
    { .name = "points", .type = FT_INT },
    REF("content", K_SYLLABUS, F_ARRAY),
    END,
};
static const field programme_fields[] = {
    ID_FIELD,
    META_FIELD,
    { .name = "name", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "type", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = programme_type },
    REF("parentProgramme", K_PROGRAMME, 0),
    { .name = "schoolType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_school_types },
    { .name = "code", .type = FT_STRING },
    { .name = "content", .type = FT_OBJECT, .flags = F_ARRAY, .sub = programme_content,
      .schema = "Programme_content_inner" },
    END,
};
static const index_key programme_index[] = {
    { "schoolType", "schoolType" },
    { "code", "code" },
    { "parentProgramme", "parentProgramme.id" },
    END,
};
static const param programme_params[] = {
    { .name = "schoolType", .type = FT_ENUM, .flags = P_MULTI, .enumv = enum_school_types, .op = Q_EQ,
      .key = "schoolType", .doc = "Only programmes of one of these school types." },
    { .name = "code", .type = FT_STRING, .op = Q_EQ, .key = "code", .doc = "Only programmes with this code." },
    { .name = "parentProgramme", .type = FT_STRING, .op = Q_EQ, .key = "parentProgramme",
      .doc = "Only programmes whose parentProgramme has this id." },
    END,
};
static const sortkey programme_sorts[] = {
    { .name = "NameAsc", .src = S_COLLATE, .path = "name" },
    { .name = "CodeAsc", .src = S_TEXT, .path = "code" },
    MODIFIED_DESC,
    END,
};

/* ---------------------------------------------------------------- StudyPlan */

static const char *const studyplan_content_type[] = {
    "Gymnasiegemensamma", "Programgemensamma", "Inriktning", "Programfördjupning", "Gymnasiearbete",
    "Individuellt val", "Borttagna", "Utökade", 0,
};
static const field studyplan_syllabus[] = {
    REF("syllabus", K_SYLLABUS, F_REQUIRED),
    { .name = "note", .type = FT_STRING },
    { .name = "startDate", .type = FT_DATE },
    { .name = "endDate", .type = FT_DATE },
    { .name = "hours", .type = FT_INT },
    END,
};
static const field studyplan_content[] = {
    { .name = "title", .type = FT_STRING },
    { .name = "type", .type = FT_ENUM, .enumv = studyplan_content_type },
    { .name = "points", .type = FT_INT },
    { .name = "syllabuses", .type = FT_OBJECT, .flags = F_REQUIRED | F_ARRAY, .sub = studyplan_syllabus,
      .schema = "StudyPlanSyllabus" },
    END,
};
static const char *const studyplan_note_type[] = {
    "Anteckningar", "Andra insatser som är gynnsamma för elevens kunskapsutveckling",
    "Elevens tidigare arbetslivserfarenhet och studier", "Validering av kunskaper och kompetenser",
    "Elevens mål med studierna", 0,
};
static const field studyplan_note[] = {
    { .name = "type", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = studyplan_note_type },
    { .name = "note", .type = FT_STRING, .flags = F_REQUIRED },
    END,
};
static const field studyplan_fields[] = {
    ID_FIELD,
    PREF("student", F_REQUIRED),
    META_FIELD,
    { .name = "content", .type = FT_OBJECT, .flags = F_ARRAY, .sub = studyplan_content, .schema = "StudyPlanContent" },
    { .name = "notes", .type = FT_OBJECT, .flags = F_ARRAY, .sub = studyplan_note, .schema = "StudyPlanNotes" },
    { .name = "startDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "endDate", .type = FT_DATE },
    END,
};
static const index_key studyplan_index[] = {
    { "student", "student.id" },
    END,
};
static const param studyplan_params[] = {
    { .name = "student", .type = FT_UUID, .flags = P_MULTI, .op = Q_EQ, .key = "student",
      .doc = "Only study plans of these students." },
    PERIOD_PARAMS(P_OPEN),
    END,
};

/* ---------------------------------------------------------------- Syllabus */

static const field specialisation_content[] = {
    { .name = "title", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "description", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "titleEnglish", .type = FT_STRING },
    { .name = "descriptionEnglish", .type = FT_STRING },
    END,
};
static const field syllabus_fields[] = {
    ID_FIELD,
    META_FIELD,
    { .name = "schoolType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_school_types },
    { .name = "subjectCode", .type = FT_STRING },
    { .name = "subjectName", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "subjectDesignation", .type = FT_STRING },
    { .name = "courseCode", .type = FT_STRING },
    { .name = "courseName", .type = FT_STRING },
    { .name = "startSchoolYear", .type = FT_INT, .min = 0, .max = 10 },
    { .name = "endSchoolYear", .type = FT_INT, .min = 0, .max = 10 },
    { .name = "points", .type = FT_INT },
    { .name = "curriculum", .type = FT_ENUM, .enumv = enum_curriculum },
    { .name = "languageCode", .type = FT_STRING },
    { .name = "specialisationCourseContent", .type = FT_OBJECT, .sub = specialisation_content,
      .schema = "SpecialisationCourseContent" },
    { .name = "official", .type = FT_BOOL, .flags = F_REQUIRED },
    END,
};
static const sortkey syllabus_sorts[] = {
    MODIFIED_DESC,
    { .name = "SubjectNameAsc", .src = S_COLLATE, .path = "subjectName" },
    { .name = "SubjectNameDesc", .src = S_COLLATE, .path = "subjectName", .desc = 1 },
    { .name = "SubjectCodeAsc", .src = S_TEXT, .path = "subjectCode" },
    { .name = "SubjectCodeDesc", .src = S_TEXT, .path = "subjectCode", .desc = 1 },
    { .name = "CourseNameAsc", .src = S_COLLATE, .path = "courseName" },
    { .name = "CourseNameDesc", .src = S_COLLATE, .path = "courseName", .desc = 1 },
    { .name = "CourseCodeAsc", .src = S_TEXT, .path = "courseCode" },
    { .name = "CourseCodeDesc", .src = S_TEXT, .path = "courseCode", .desc = 1 },
    { .name = "SubjectDesignationAsc", .src = S_TEXT, .path = "subjectDesignation" },
    { .name = "SubjectDesignationDesc", .src = S_TEXT, .path = "subjectDesignation", .desc = 1 },
    END,
};

/* ---------------------------------------------------------------- SchoolUnitOffering */

static const field schoolunitoffering_fields[] = {
    { .name = "id", .type = FT_UUID, .flags = F_REQUIRED | F_SERVER },
    { .name = "meta", .type = FT_OBJECT, .flags = F_REQUIRED | F_READONLY | F_SERVER, .sub = meta_fields,
      .schema = "Meta" },
    { .name = "startDate", .type = FT_DATE },
    { .name = "endDate", .type = FT_DATE },
    REF("offeredAt", K_ORGANISATION, F_REQUIRED),
    REF("offeredSyllabuses", K_SYLLABUS, F_REQUIRED | F_ARRAY),
    REF("offeredProgrammes", K_PROGRAMME, F_ARRAY),
    END,
};
static const index_key schoolunitoffering_index[] = {
    { "offeredAt", "offeredAt.id" },
    END,
};
static const param schoolunitoffering_params[] = {
    { .name = "organisation", .type = FT_UUID, .op = Q_EQ, .key = "offeredAt",
      .doc = "Only offerings of this school unit." },
    END,
};

/* ---------------------------------------------------------------- Activity */

static const char *const activity_type[] = {
    "Undervisning", "Elevaktivitet", "Provaktivitet", "Läraraktivitet", "Övrigt", 0,
};
static const field duty_assignment[] = {
    REF("duty", K_DUTY, F_REQUIRED),
    { .name = "startDate", .type = FT_DATE },
    { .name = "endDate", .type = FT_DATE },
    { .name = "minutesPlanned", .type = FT_INT },
    { .name = "grader", .type = FT_BOOL },
    END,
};
static const field activity_fields[] = {
    ID_FIELD,
    META_FIELD,
    { .name = "displayName", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "calendarEventsRequired", .type = FT_BOOL, .flags = F_REQUIRED },
    { .name = "startDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "endDate", .type = FT_DATE },
    { .name = "activityType", .type = FT_ENUM, .enumv = activity_type },
    { .name = "comment", .type = FT_STRING },
    { .name = "minutesPlanned", .type = FT_INT },
    REF("groups", K_GROUP, F_REQUIRED | F_ARRAY | F_MINONE),
    { .name = "teachers", .type = FT_OBJECT, .flags = F_ARRAY, .sub = duty_assignment, .schema = "DutyAssignment" },
    REF("syllabus", K_SYLLABUS, 0),
    REF("organisation", K_ORGANISATION, F_REQUIRED),
    REF("parentActivity", K_ACTIVITY, 0),
    END,
};
static const index_key activity_index[] = {
    { "group", "groups[].id" },
    { "teacher", "teachers[].duty.id" },
    { "organisation", "organisation.id" },
    END,
};
static const param activity_params[] = {
    { .name = "member", .type = FT_UUID, .op = Q_VIA, .key = "group", .via_kind = K_GROUP, .via_key = "member",
      .doc = "Only activities with a group this person is a member of." },
    { .name = "teacher", .type = FT_UUID, .op = Q_EQ, .key = "teacher",
      .doc = "Only activities taught through this duty." },
    { .name = "organisation", .type = FT_UUID, .op = Q_TREE, .key = "organisation",
      .doc = "Only activities of this organisation or one below it." },
    { .name = "group", .type = FT_UUID, .op = Q_EQ, .key = "group", .doc = "Only activities of this group." },
    PERIOD_PARAMS(0),
    END,
};
static const expand activity_expands[] = {
    { .name = "groups", .how = E_FORWARD, .kind = K_GROUP, .path = "groups[].id", .schema = "Group" },
    { .name = "teachers", .how = E_FORWARD, .kind = K_DUTY, .path = "teachers[].duty.id", .schema = "Duty" },
    { .name = "syllabus", .how = E_FORWARD, .kind = K_SYLLABUS, .path = "syllabus.id", .single = 1,
      .schema = "Syllabus" },
    END,
};
static const lookup_key activity_lookup[] = {
    IDS,
    { .name = "teachers", .type = FT_UUID, .key = "teacher", .via_kind = K_NONE },
    { .name = "members", .type = FT_UUID, .key = "group", .via_kind = K_GROUP, .via_key = "member" },
    END,
};

/* ---------------------------------------------------------------- CalendarEvent */

static const field student_exception[] = {
    PREF("student", F_REQUIRED),
    { .name = "participates", .type = FT_BOOL, .flags = F_REQUIRED },
    { .name = "startTime", .type = FT_DATETIME },
    { .name = "endTime", .type = FT_DATETIME },
    { .name = "teachingLength", .type = FT_INT },
    END,
};
static const field teacher_exception[] = {
    REF("duty", K_DUTY, F_REQUIRED),
    { .name = "participates", .type = FT_BOOL, .flags = F_REQUIRED },
    { .name = "startTime", .type = FT_DATETIME },
    { .name = "endTime", .type = FT_DATETIME },
    { .name = "teachingLength", .type = FT_INT },
    END,
};
static const field calendarevent_fields[] = {
    ID_FIELD,
    META_FIELD,
    REF("activity", K_ACTIVITY, F_REQUIRED),
    { .name = "startTime", .type = FT_DATETIME, .flags = F_REQUIRED },
    { .name = "endTime", .type = FT_DATETIME, .flags = F_REQUIRED },
    { .name = "cancelled", .type = FT_BOOL },
    { .name = "teachingLengthTeacher", .type = FT_INT },
    { .name = "teachingLengthStudent", .type = FT_INT },
    { .name = "comment", .type = FT_STRING },
    { .name = "studentExceptions", .type = FT_OBJECT, .flags = F_ARRAY, .sub = student_exception,
      .schema = "StudentException" },
    { .name = "teacherExceptions", .type = FT_OBJECT, .flags = F_ARRAY, .sub = teacher_exception,
      .schema = "TeacherException" },
    REF("rooms", K_ROOM, F_ARRAY),
    REF("resources", K_RESOURCE, F_ARRAY),
    END,
};
static const index_key calendarevent_index[] = {
    { "activity", "activity.id" },
    { "studentException", "studentExceptions[].student.id" },
    { "teacherException", "teacherExceptions[].duty.id" },
    END,
};
static const param calendarevent_params[] = {
    { .name = "startTime.onOrAfter", .type = FT_DATETIME, .flags = P_REQUIRED, .op = Q_START_GE,
      .doc = "Only events starting at or after this time (required)." },
    { .name = "startTime.onOrBefore", .type = FT_DATETIME, .flags = P_REQUIRED, .op = Q_START_LE,
      .doc = "Only events starting at or before this time (required)." },
    { .name = "endTime.onOrBefore", .type = FT_DATETIME, .op = Q_END_LE,
      .doc = "Only events ending at or before this time." },
    { .name = "endTime.onOrAfter", .type = FT_DATETIME, .op = Q_END_GE,
      .doc = "Only events ending at or after this time." },
    { .name = "activity", .type = FT_UUID, .op = Q_EQ, .key = "activity", .doc = "Only events of this activity." },
    /* A student takes part through the activity's groups or an exception
     * of the event itself; the engine resolves activity members through
     * the groups. */
    { .name = "student", .type = FT_UUID, .op = Q_EITHER, .key = "activity", .via_kind = K_ACTIVITY,
      .via_key = "member", .key2 = "studentException", .doc = "Only events this student takes part in." },
    { .name = "teacher", .type = FT_UUID, .op = Q_EITHER, .key = "activity", .via_kind = K_ACTIVITY,
      .via_key = "teacher", .key2 = "teacherException", .doc = "Only events taught through this duty." },
    /* Q_VIA descends the organisation tree when the parameter is "organisation". */
    { .name = "organisation", .type = FT_UUID, .op = Q_VIA, .key = "activity", .via_kind = K_ACTIVITY,
      .via_key = "organisation", .doc = "Only events of activities of this organisation or one below it." },
    { .name = "group", .type = FT_UUID, .op = Q_VIA, .key = "activity", .via_kind = K_ACTIVITY, .via_key = "group",
      .doc = "Only events of activities of this group." },
    END,
};
static const expand calendarevent_expands[] = {
    { .name = "activity", .how = E_FORWARD, .kind = K_ACTIVITY, .path = "activity.id", .single = 1,
      .schema = "Activity" },
    { .name = "attendance", .how = E_REVERSE, .kind = K_ATTENDANCE, .key = "calendarEvent", .schema = "Attendance" },
    END,
};
static const lookup_key calendarevent_lookup[] = {
    IDS,
    { .name = "activities", .type = FT_UUID, .key = "activity", .via_kind = K_NONE },
    { .name = "student", .type = FT_UUID, .key = "studentException", .via_kind = K_NONE },
    { .name = "student", .type = FT_UUID, .key = "activity", .via_kind = K_ACTIVITY, .via_key = "member" },
    { .name = "teacher", .type = FT_UUID, .key = "teacherException", .via_kind = K_NONE },
    { .name = "teacher", .type = FT_UUID, .key = "activity", .via_kind = K_ACTIVITY, .via_key = "teacher" },
    END,
};

/* ---------------------------------------------------------------- Attendance */

static const field attendance_fields[] = {
    ID_FIELD_RO,
    META_FIELD,
    REF("calendarEvent", K_CALENDAREVENT, F_REQUIRED),
    PREF("student", F_REQUIRED),
    PREF("reporter", 0),
    { .name = "isReported", .type = FT_BOOL, .flags = F_REQUIRED },
    { .name = "attendanceMinutes", .type = FT_INT },
    { .name = "validAbsenceMinutes", .type = FT_INT },
    { .name = "invalidAbsenceMinutes", .type = FT_INT },
    { .name = "otherAttendanceMinutes", .type = FT_INT },
    { .name = "absenceReason", .type = FT_STRING },
    { .name = "reportedTimestamp", .type = FT_DATETIME },
    END,
};
static const index_key attendance_index[] = {
    { "calendarEvent", "calendarEvent.id" },
    { "student", "student.id" },
    END,
};
static const param attendance_params[] = {
    { .name = "student", .type = FT_UUID, .op = Q_EQ, .key = "student", .doc = "Only attendance of this student." },
    /* Two hops: calendar events have no organisation of their own, so the
     * engine must resolve "organisation" on them through their activity
     * (as it resolves activity members through groups). */
    { .name = "organisation", .type = FT_UUID, .op = Q_VIA, .key = "calendarEvent", .via_kind = K_CALENDAREVENT,
      .via_key = "organisation", .doc = "Only attendance at events of this organisation or one below it." },
    { .name = "calendarEvent", .type = FT_UUID, .op = Q_EQ, .key = "calendarEvent",
      .doc = "Only attendance at this calendar event." },
    END,
};
static const lookup_key attendance_lookup[] = {
    IDS,
    { .name = "activities", .type = FT_UUID, .key = "calendarEvent", .via_kind = K_CALENDAREVENT,
      .via_key = "activity" },
    { .name = "students", .type = FT_UUID, .key = "student", .via_kind = K_NONE },
    { .name = "calendareEvents", .type = FT_UUID, .key = "calendarEvent", .via_kind = K_NONE },
    END,
};

/* ---------------------------------------------------------------- AttendanceEvent */

static const char *const attendance_event_type[] = { "In", "Ut", 0 };
static const field attendanceevent_fields[] = {
    ID_FIELD_RO,
    META_FIELD,
    { .name = "time", .type = FT_DATETIME, .flags = F_REQUIRED },
    { .name = "eventType", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = attendance_event_type },
    PREF("person", F_REQUIRED),
    PREF("registeredBy", 0),
    REF("group", K_GROUP, F_REQUIRED),
    END,
};
static const index_key attendanceevent_index[] = {
    { "person", "person.id" },
    { "group", "group.id" },
    END,
};
static const param attendanceevent_params[] = {
    { .name = "group", .type = FT_UUID, .flags = P_MULTI, .op = Q_EQ, .key = "group",
      .doc = "Only events in one of these groups." },
    { .name = "person", .type = FT_UUID, .op = Q_EQ, .key = "person", .doc = "Only events of this person." },
    END,
};
static const expand attendanceevent_expands[] = {
    { .name = "person", .how = E_FORWARD, .kind = K_PERSON, .path = "person.id", .single = 1, .schema = "Person" },
    { .name = "group", .how = E_FORWARD, .kind = K_GROUP, .path = "group.id", .single = 1, .schema = "GroupFragment" },
    { .name = "registeredBy", .how = E_FORWARD, .kind = K_PERSON, .path = "registeredBy.id", .single = 1,
      .schema = "Person" },
    END,
};
static const lookup_key attendanceevent_lookup[] = {
    IDS,
    { .name = "person", .type = FT_UUID, .key = "person", .via_kind = K_NONE },
    { .name = "group", .type = FT_UUID, .key = "group", .via_kind = K_NONE },
    END,
};

/* ---------------------------------------------------------------- AttendanceSchedule */

static const char *const schedule_state_value[] = { "Godkänt", "Begärt", "Nekat", 0 };
static const field schedule_state[] = {
    { .name = "state", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = schedule_state_value },
    { .name = "registeredAt", .type = FT_DATETIME, .flags = F_REQUIRED },
    { .name = "comment", .type = FT_STRING },
    PREF("registeredBy", 0),
    END,
};
static const char *const schedule_day[] = { "Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag", "Lördag", "Söndag", 0 };
static const field schedule_entry[] = {
    { .name = "weekOffset", .type = FT_INT, .flags = F_REQUIRED },
    { .name = "dayOfWeek", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = schedule_day },
    { .name = "startTime", .type = FT_TIME_HM, .flags = F_REQUIRED },
    { .name = "endTime", .type = FT_TIME_HM, .flags = F_REQUIRED },
    END,
};
static const field attendanceschedule_fields[] = {
    ID_FIELD_RO,
    META_FIELD,
    REF("placement", K_PLACEMENT, F_REQUIRED),
    { .name = "numberOfWeeks", .type = FT_INT, .flags = F_REQUIRED },
    { .name = "startDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "endDate", .type = FT_DATE },
    { .name = "temporary", .type = FT_BOOL },
    { .name = "state", .type = FT_OBJECT, .flags = F_REQUIRED | F_ARRAY, .sub = schedule_state,
      .schema = "AttendanceScheduleState" },
    { .name = "scheduleEntries", .type = FT_OBJECT, .flags = F_ARRAY, .sub = schedule_entry,
      .schema = "AttendanceScheduleEntry" },
    END,
};
static const index_key attendanceschedule_index[] = {
    { "placement", "placement.id" },
    END,
};
static const param attendanceschedule_params[] = {
    { .name = "placement", .type = FT_UUID, .op = Q_EQ, .key = "placement",
      .doc = "Only schedules of this placement." },
    { .name = "group", .type = FT_UUID, .op = Q_VIA, .key = "placement", .via_kind = K_PLACEMENT, .via_key = "group",
      .doc = "Only schedules of placements in this group." },
    PERIOD_PARAMS(0),
    END,
};
static const lookup_key attendanceschedule_lookup[] = {
    IDS,
    { .name = "placement", .type = FT_UUID, .key = "placement", .via_kind = K_NONE },
    END,
};

/* ---------------------------------------------------------------- Absence */

static const field absence_fields[] = {
    ID_FIELD_RO,
    META_FIELD,
    { .name = "startTime", .type = FT_DATETIME, .flags = F_REQUIRED },
    { .name = "endTime", .type = FT_DATETIME, .flags = F_REQUIRED },
    { .name = "type", .type = FT_ENUM, .flags = F_REQUIRED, .enumv = enum_absence },
    PREF("student", F_REQUIRED),
    REF("organisation", K_ORGANISATION, 0),
    PREF("registeredBy", 0),
    END,
};
static const index_key absence_index[] = {
    { "student", "student.id" },
    { "organisation", "organisation.id" },
    { "registeredBy", "registeredBy.id" },
    { "type", "type" },
    END,
};
static const param absence_params[] = {
    { .name = "organisation", .type = FT_UUID, .op = Q_EQ, .key = "organisation",
      .doc = "Only absences at this organisation." },
    { .name = "student", .type = FT_UUID, .op = Q_EQ, .key = "student", .doc = "Only absences of this student." },
    { .name = "registeredBy", .type = FT_UUID, .op = Q_EQ, .key = "registeredBy",
      .doc = "Only absences registered by this person." },
    { .name = "type", .type = FT_ENUM, .enumv = enum_absence, .op = Q_EQ, .key = "type",
      .doc = "Only absences of this type." },
    { .name = "startTime.onOrBefore", .type = FT_DATETIME, .op = Q_START_LE,
      .doc = "Only absences starting at or before this time." },
    { .name = "startTime.onOrAfter", .type = FT_DATETIME, .op = Q_START_GT,
      .doc = "Only absences starting strictly after this time (the specification makes this one exclusive)." },
    { .name = "endTime.onOrBefore", .type = FT_DATETIME, .op = Q_END_LE,
      .doc = "Only absences ending at or before this time." },
    { .name = "endTime.onOrAfter", .type = FT_DATETIME, .op = Q_END_GT,
      .doc = "Only absences ending strictly after this time (the specification makes this one exclusive)." },
    END,
};

/* ---------------------------------------------------------------- AggregatedAttendance */

static const field aggregatedattendance_fields[] = {
    REF("activity", K_ACTIVITY, F_REQUIRED),
    PREF("student", F_REQUIRED),
    { .name = "startDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "endDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "attendanceSum", .type = FT_INT, .flags = F_REQUIRED },
    { .name = "validAbsenceSum", .type = FT_INT },
    { .name = "invalidAbsenceSum", .type = FT_INT },
    { .name = "otherAttendanceSum", .type = FT_INT },
    { .name = "reportedSum", .type = FT_INT },
    { .name = "offeredSum", .type = FT_INT },
    END,
};
static const param aggregatedattendance_params[] = {
    { .name = "startDate", .type = FT_DATE, .flags = P_REQUIRED, .op = Q_CUSTOM,
      .doc = "First day of the aggregation window (required)." },
    { .name = "endDate", .type = FT_DATE, .flags = P_REQUIRED, .op = Q_CUSTOM,
      .doc = "Last day of the aggregation window (required)." },
    { .name = "organisation", .type = FT_UUID, .op = Q_CUSTOM,
      .doc = "Only attendance at activities of this organisation." },
    { .name = "schoolType", .type = FT_ENUM, .flags = P_MULTI, .enumv = enum_school_types, .op = Q_CUSTOM,
      .doc = "Only attendance at activities of these school types." },
    { .name = "student", .type = FT_UUID, .flags = P_MULTI, .op = Q_CUSTOM, .doc = "Only these students." },
    END,
};
static const expand aggregatedattendance_expands[] = {
    { .name = "activity", .how = E_FORWARD, .kind = K_ACTIVITY, .path = "activity.id", .single = 1,
      .schema = "Activity" },
    { .name = "student", .how = E_FORWARD, .kind = K_PERSON, .path = "student.id", .single = 1, .schema = "Person" },
    END,
};

/* ---------------------------------------------------------------- Grade */

static const char *const grade_correction_type[] = { "Ändring", "Rättelse", 0 };
static const char *const grade_semester[] = { "HT", "VT", 0 };
static const field diploma_project[] = {
    { .name = "title", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "description", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "titleEnglish", .type = FT_STRING },
    { .name = "descriptionEnglish", .type = FT_STRING },
    END,
};
static const field grade_fields[] = {
    ID_FIELD,
    META_FIELD_OPT,
    PREF("student", F_REQUIRED),
    REF("organisation", K_ORGANISATION, 0),
    PREF("registeredBy", F_REQUIRED),
    PREF("gradingTeacher", 0),
    REF("group", K_GROUP, 0),
    { .name = "registeredDate", .type = FT_DATE, .flags = F_REQUIRED },
    { .name = "gradeValue", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "finalGrade", .type = FT_BOOL, .flags = F_REQUIRED },
    { .name = "trial", .type = FT_BOOL },
    { .name = "adaptedStudyPlan", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "remark", .type = FT_STRING },
    { .name = "converted", .type = FT_BOOL },
    { .name = "correctionType", .type = FT_ENUM, .enumv = grade_correction_type },
    { .name = "semester", .type = FT_ENUM, .enumv = grade_semester },
    { .name = "year", .type = FT_INT },
    REF("syllabus", K_SYLLABUS, F_REQUIRED),
    { .name = "diplomaProject", .type = FT_OBJECT, .sub = diploma_project, .schema = "Grade_diplomaProject" },
    END,
};
static const index_key grade_index[] = {
    { "student", "student.id" },
    { "organisation", "organisation.id" },
    { "registeredBy", "registeredBy.id" },
    { "gradingTeacher", "gradingTeacher.id" },
    END,
};
static const param grade_params[] = {
    { .name = "organisation", .type = FT_UUID, .op = Q_EQ, .key = "organisation",
      .doc = "Only grades from this school unit." },
    { .name = "student", .type = FT_UUID, .op = Q_EQ, .key = "student", .doc = "Only grades of this student." },
    { .name = "registeredBy", .type = FT_UUID, .op = Q_EQ, .key = "registeredBy",
      .doc = "Only grades registered by this person." },
    { .name = "gradingTeacher", .type = FT_UUID, .op = Q_EQ, .key = "gradingTeacher",
      .doc = "Only grades set by this teacher." },
    { .name = "registeredDate.onOrAfter", .type = FT_DATE, .op = Q_START_GE,
      .doc = "Only grades registered on or after this date." },
    { .name = "registeredDate.onOrBefore", .type = FT_DATE, .op = Q_START_LE,
      .doc = "Only grades registered on or before this date." },
    END,
};
static const sortkey grade_sorts[] = {
    { .name = "registeredDateAsc", .src = S_TEXT, .path = "registeredDate" },
    { .name = "registeredDateDesc", .src = S_TEXT, .path = "registeredDate", .desc = 1 },
    MODIFIED_DESC,
    END,
};

/* ---------------------------------------------------------------- Resource */

static const field resource_fields[] = {
    ID_FIELD,
    META_FIELD,
    { .name = "displayName", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "description", .type = FT_STRING },
    REF("owner", K_ORGANISATION, F_REQUIRED),
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

/* ---------------------------------------------------------------- Subscription */

static const field subscription_resource_type[] = {
    { .name = "resource", .type = FT_ENUM, .enumv = enum_endpoints },
    END,
};
static const field subscription_fields[] = {
    { .name = "id", .type = FT_UUID, .flags = F_REQUIRED | F_READONLY },
    { .name = "expires", .type = FT_DATETIME, .flags = F_REQUIRED | F_READONLY },
    { .name = "name", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "target", .type = FT_STRING, .flags = F_REQUIRED },
    { .name = "resourceTypes", .type = FT_OBJECT, .flags = F_REQUIRED | F_ARRAY, .sub = subscription_resource_type,
      .schema = "CreateSubscription_resourceTypes_inner" },
    END,
};

/* ---------------------------------------------------------------- the table */

#define READS (OP_LIST | OP_GET | OP_META_FILTERS | OP_REFNAMES | OP_REFNAMES_GET)

const kind_desc model_kinds[K__COUNT] = {
    [K_ORGANISATION] = {
        .id = K_ORGANISATION, .name = "Organisation", .path = "organisations", .deleted_key = "organisations",
        .schema = "Organisation", .list_schema = "Organisations", .tag = "Organisation",
        .ops = READS | OP_LOOKUP, .fields = organisation_fields, .index_keys = organisation_index,
        .params = organisation_params, .sorts = modified_display_sorts, .lookup = organisation_lookup,
        .display = "displayName", .period_start = "startDate", .period_end = "endDate",
        .cat = CAT_STANDARD,
    },
    [K_PERSON] = {
        .id = K_PERSON, .name = "Person", .path = "persons", .deleted_key = "persons",
        .schema = "Person", .list_schema = "PersonsExpanded", .tag = "Person",
        .ops = READS | OP_LOOKUP, .fields = person_fields, .index_keys = person_index,
        .params = person_params, .sorts = person_sorts, .expands = person_expands, .lookup = person_lookup,
        .display_parts = person_display,
        .cat = CAT_STUDENTS,
    },
    [K_PLACEMENT] = {
        .id = K_PLACEMENT, .name = "Placement", .path = "placements", .deleted_key = "placements",
        .schema = "Placement", .list_schema = "Placements", .tag = "Person",
        .ops = READS | OP_LOOKUP, .fields = placement_fields, .index_keys = placement_index,
        .params = placement_params, .sorts = period_sorts, .expands = placement_expands,
        .lookup = placement_lookup, .period_start = "startDate", .period_end = "endDate",
        .cat = CAT_PLACEMENTS, .scope_key = "placedAt", .scope_kind = K_ORGANISATION,
    },
    [K_DUTY] = {
        .id = K_DUTY, .name = "Duty", .path = "duties", .deleted_key = "duties",
        .schema = "Duty", .list_schema = "Duties", .tag = "Person",
        .ops = READS | OP_LOOKUP, .fields = duty_fields, .index_keys = duty_index,
        .params = duty_params, .sorts = duty_sorts, .expands = duty_expands, .lookup = id_lookup,
        .display = "signature", .period_start = "startDate", .period_end = "endDate",
        .cat = CAT_DUTIES, .scope_key = "dutyAt", .scope_kind = K_ORGANISATION,
    },
    [K_GROUP] = {
        .id = K_GROUP, .name = "Group", .path = "groups", .deleted_key = "groups",
        .schema = "Group", .list_schema = "GroupsExpanded", .tag = "Grupper",
        .ops = READS | OP_LOOKUP, .fields = group_fields, .index_keys = group_index,
        .params = group_params, .sorts = group_sorts, .expands = group_expands, .lookup = id_lookup,
        .display = "displayName", .period_start = "startDate", .period_end = "endDate",
        .cat = CAT_GROUPS, .scope_key = "organisation", .scope_kind = K_ORGANISATION,
    },
    [K_PROGRAMME] = {
        .id = K_PROGRAMME, .name = "Programme", .path = "programmes", .deleted_key = "programmes",
        .schema = "Programme", .list_schema = "Programmes", .tag = "Studieinformation",
        .ops = READS | OP_LOOKUP, .fields = programme_fields, .index_keys = programme_index,
        .params = programme_params, .sorts = programme_sorts, .lookup = id_lookup, .display = "name",
        .cat = CAT_PROGRAMMES,
    },
    [K_STUDYPLAN] = {
        .id = K_STUDYPLAN, .name = "StudyPlan", .path = "studyplans", .deleted_key = "studyPlans",
        .schema = "StudyPlan", .list_schema = "StudyPlans", .tag = "Studieinformation",
        .ops = READS, .fields = studyplan_fields, .index_keys = studyplan_index,
        .params = studyplan_params, .sorts = modified_period_sorts,
        .period_start = "startDate", .period_end = "endDate",
        .cat = CAT_STUDYPLANS, .scope_key = "student", .scope_kind = K_PERSON,
    },
    [K_SYLLABUS] = {
        .id = K_SYLLABUS, .name = "Syllabus", .path = "syllabuses", .deleted_key = "syllabuses",
        .schema = "Syllabus", .list_schema = "Syllabuses", .tag = "Studieinformation",
        .ops = READS | OP_LOOKUP, .fields = syllabus_fields, .sorts = syllabus_sorts, .lookup = id_lookup,
        .display = "subjectName",
        .cat = CAT_PROGRAMMES,
    },
    [K_SCHOOLUNITOFFERING] = {
        .id = K_SCHOOLUNITOFFERING, .name = "SchoolUnitOffering", .path = "schoolUnitOfferings",
        .deleted_key = "schoolUnitOfferings", .schema = "SchoolUnitOffering", .list_schema = "SchoolUnitOfferings",
        .tag = "Studieinformation", .ops = READS | OP_LOOKUP, .fields = schoolunitoffering_fields,
        .index_keys = schoolunitoffering_index, .params = schoolunitoffering_params,
        .sorts = modified_period_sorts, .lookup = id_lookup, .period_start = "startDate", .period_end = "endDate",
        .cat = CAT_PROGRAMMES, .scope_key = "offeredAt", .scope_kind = K_ORGANISATION,
    },
    [K_ACTIVITY] = {
        .id = K_ACTIVITY, .name = "Activity", .path = "activities", .deleted_key = "activitites",
        .schema = "Activity", .list_schema = "Activities", .tag = "Aktiviteter",
        .ops = READS | OP_LOOKUP, .fields = activity_fields, .index_keys = activity_index,
        .params = activity_params, .sorts = modified_display_sorts, .expands = activity_expands,
        .lookup = activity_lookup, .display = "displayName", .period_start = "startDate", .period_end = "endDate",
        .cat = CAT_ACTIVITIES, .scope_key = "organisation", .scope_kind = K_ORGANISATION,
    },
    [K_CALENDAREVENT] = {
        .id = K_CALENDAREVENT, .name = "CalendarEvent", .path = "calendarEvents", .deleted_key = "calendarEvents",
        .schema = "CalendarEvent", .list_schema = "CalendarEvents", .tag = "Kalenderhändelser",
        .ops = READS | OP_LOOKUP | OP_LOOKUP_NO_EXPAND, .fields = calendarevent_fields,
        .index_keys = calendarevent_index, .params = calendarevent_params, .sorts = time_sorts,
        .expands = calendarevent_expands, .lookup = calendarevent_lookup,
        .period_start = "startTime", .period_end = "endTime",
        .cat = CAT_CALENDAREVENTS, .scope_key = "activity", .scope_kind = K_ACTIVITY,
    },
    [K_ATTENDANCE] = {
        .id = K_ATTENDANCE, .name = "Attendance", .path = "attendances", .deleted_key = "attendances",
        .schema = "Attendance", .list_schema = "Attendances", .tag = "Närvaro",
        .ops = OP_LIST | OP_GET | OP_META_FILTERS | OP_REFNAMES | OP_LOOKUP | OP_CREATE | OP_DELETE,
        .fields = attendance_fields, .index_keys = attendance_index, .params = attendance_params,
        .lookup = attendance_lookup,
        .cat = CAT_ATTENDANCES, .scope_key = "calendarEvent", .scope_kind = K_CALENDAREVENT,
    },
    [K_ATTENDANCEEVENT] = {
        .id = K_ATTENDANCEEVENT, .name = "AttendanceEvent", .path = "attendanceEvents",
        .deleted_key = "attendanceEvents", .schema = "AttendanceEvent", .list_schema = "AttendanceEvents",
        .tag = "Närvarohändelser", .ops = READS | OP_LOOKUP | OP_CREATE | OP_DELETE,
        .fields = attendanceevent_fields, .index_keys = attendanceevent_index, .params = attendanceevent_params,
        .expands = attendanceevent_expands, .lookup = attendanceevent_lookup,
        .cat = CAT_ATTENDANCEEVENTS, .scope_key = "person", .scope_kind = K_PERSON,
    },
    [K_ATTENDANCESCHEDULE] = {
        .id = K_ATTENDANCESCHEDULE, .name = "AttendanceSchedule", .path = "attendanceSchedule",
        .deleted_key = "attendanceSchedules", .schema = "AttendanceSchedule", .list_schema = "AttendanceSchedules",
        .tag = "Vistelseschema", .ops = READS | OP_LOOKUP | OP_CREATE | OP_DELETE,
        .fields = attendanceschedule_fields, .index_keys = attendanceschedule_index,
        .params = attendanceschedule_params, .lookup = attendanceschedule_lookup,
        .period_start = "startDate", .period_end = "endDate",
        .cat = CAT_ATTENDANCESCHEDULE, .scope_key = "placement", .scope_kind = K_PLACEMENT,
    },
    [K_ABSENCE] = {
        .id = K_ABSENCE, .name = "Absence", .path = "absences", .deleted_key = "absences",
        .schema = "Absence", .list_schema = "Absences", .tag = "Närvaro",
        .ops = OP_LIST | OP_GET | OP_META_FILTERS | OP_REFNAMES | OP_LOOKUP | OP_CREATE,
        .fields = absence_fields, .index_keys = absence_index, .params = absence_params, .sorts = time_sorts,
        .lookup = id_lookup, .period_start = "startTime", .period_end = "endTime",
        .cat = CAT_ABSENCES, .scope_key = "organisation", .scope_kind = K_ORGANISATION,
    },
    [K_AGGREGATEDATTENDANCE] = {
        .id = K_AGGREGATEDATTENDANCE, .name = "AggregatedAttendance", .path = "aggregatedAttendance",
        .schema = "AggregatedAttendance", .list_schema = "AggregatedAttendances", .tag = "Närvaro",
        .ops = OP_LIST | OP_REFNAMES, .fields = aggregatedattendance_fields,
        .params = aggregatedattendance_params, .expands = aggregatedattendance_expands,
        .cat = CAT_ATTENDANCES,
    },
    [K_GRADE] = {
        .id = K_GRADE, .name = "Grade", .path = "grades", .deleted_key = "grades",
        .schema = "Grade", .list_schema = "Grades", .tag = "Betyg",
        .ops = READS | OP_LOOKUP, .fields = grade_fields, .index_keys = grade_index, .params = grade_params,
        .sorts = grade_sorts, .lookup = id_lookup, .period_start = "registeredDate",
        .cat = CAT_GRADES, .scope_key = "organisation", .scope_kind = K_ORGANISATION,
    },
    [K_RESOURCE] = {
        .id = K_RESOURCE, .name = "Resource", .path = "resources", .deleted_key = "resources",
        .schema = "Resource", .list_schema = "Resources", .tag = "Rum och resurser",
        .ops = READS | OP_LOOKUP, .fields = resource_fields, .index_keys = owner_index, .params = owner_params,
        .sorts = modified_display_sorts, .lookup = id_lookup, .display = "displayName",
        .cat = CAT_RESOURCES, .scope_key = "owner", .scope_kind = K_ORGANISATION,
    },
    [K_ROOM] = {
        .id = K_ROOM, .name = "Room", .path = "rooms", .deleted_key = "rooms",
        .schema = "Room", .list_schema = "Rooms", .tag = "Rum och resurser",
        .ops = READS | OP_LOOKUP, .fields = room_fields, .index_keys = owner_index, .params = owner_params,
        .sorts = modified_display_sorts, .lookup = id_lookup, .display = "displayName",
        .cat = CAT_RESOURCES, .scope_key = "owner", .scope_kind = K_ORGANISATION,
    },
    [K_SUBSCRIPTION] = {
        .id = K_SUBSCRIPTION, .name = "Subscription", .path = "subscriptions",
        .schema = "Subscription", .list_schema = "Subscriptions", .tag = "Prenumeration",
        .ops = OP_LIST | OP_GET | OP_CREATE | OP_DELETE, .fields = subscription_fields,
        .cat = CAT_STANDARD,
    },
};
