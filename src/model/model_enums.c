/* Enumerations shared by several kinds (SS12000 2.1 values, exactly). */
#include "model.h"

const char *const enum_organisation_type[] = {
    "Huvudman", "Verksamhetsområde", "Förvaltning", "Rektorsområde", "Skola",
    "Skolenhet", "Varumärke", "Bolag", "Övrigt", 0,
};
const char *const enum_school_types[] = {
    "FS", "FKLASS", "FTH", "OPPFTH", "GR", "GRS", "TR", "SP", "SAM", "GY", "GYS",
    "VUX", "VUXSFI", "VUXGR", "VUXGY", "VUXSARGR", "VUXSARTR", "VUXSARGY", "SFI",
    "SARVUX", "SARVUXGR", "SARVUXGY", "KU", "YH", "FHS", "STF", "KKU", "HS", "ABU", "AU", 0,
};
const char *const enum_duty_role[] = {
    "Rektor", "Lärare", "Förskollärare", "Barnskötare", "Bibliotekarie", "Lärarassistent",
    "Fritidspedagog", "Annan personal", "Studie- och yrkesvägledare", "Förstelärare",
    "Kurator", "Skolsköterska", "Skolläkare", "Skolpsykolog", "Speciallärare/specialpedagog",
    "Skoladministratör", "Övrig arbetsledning", "Övrig pedagogisk personal", "Förskolechef", 0,
};
const char *const enum_group_types[] = {
    "Undervisning", "Klass", "Mentor", "Provgrupp", "Schema", "Avdelning", "Personalgrupp", "Övrigt", 0,
};
const char *const enum_relation_types[] = {
    "Vårdnadshavare", "Annan ansvarig", "God man", "Utsedd behörig", 0,
};
const char *const enum_assignment_role_type[] = {
    "Mentor", "Förskollärare", "Barnskötare", "Fritidspedagog", "Specialpedagog",
    "Elevhälsopersonal", "Pedagogisk ledare", "Schemaläggare", "Lärarassistent",
    "Administrativ personal", 0,
};
const char *const enum_absence[] = { "Beviljad ledighet", "Anmäld frånvaro", 0 };
const char *const enum_endpoints[] = {
    "Absence", "AttendanceEvent", "Attendance", "Grade", "CalendarEvent", "AttendanceSchedule",
    "Resource", "Room", "Activity", "Duty", "Placement", "StudyPlan", "Programme", "Syllabus",
    "SchoolUnitOffering", "Group", "Person", "Organisation", 0,
};
const char *const enum_curriculum[] = {
    "Lgy70", "Lgr80", "Lpo94", "Lpf94", "Lpfö98", "GR2000", "GY2000", "GYSÄR2000",
    "GYVUX2000", "GYVUX2001", "GYVUX2002", "GR2011", "GRSÄR2011", "SPEC2011", "SAM2011",
    "Lvux12", "GY2011", "GYSÄR2013", "VU2013", 0,
};
const char *const enum_security_marking[] = {
    "Ingen", "Sekretessmarkering", "Skyddad folkbokföring", 0,
};
