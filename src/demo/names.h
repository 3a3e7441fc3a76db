/* Tables behind the demo generator: names, places, subjects, programmes. */
#ifndef SKOLNAV_DEMO_NAMES_H
#define SKOLNAV_DEMO_NAMES_H

#include <stddef.h>

extern const char *const demo_given_female[];
extern const size_t demo_n_given_female;
extern const char *const demo_given_male[];
extern const size_t demo_n_given_male;
extern const char *const demo_family[];
extern const size_t demo_n_family;
extern const char *const demo_streets[];
extern const size_t demo_n_streets;
extern const char *const demo_place_prefix[];   /* "Björk", "Ek", ... for school names */
extern const size_t demo_n_place_prefix;
extern const char *const demo_town_prefix[];    /* municipality names for the nation scale */
extern const size_t demo_n_town_prefix;
extern const char *const demo_town_suffix[];
extern const size_t demo_n_town_suffix;
extern const char *const demo_avdelning[];      /* preschool department names */
extern const size_t demo_n_avdelning;

/* Compulsory school subjects (grundskolan, Lgr11). */
typedef struct demo_subject {
    const char *designation; /* "MA" */
    const char *code;        /* "GRGRMAT01" */
    const char *name;        /* "Matematik" */
    const char *lang;        /* ISO 639-3 for languages, else NULL */
} demo_subject;
extern const demo_subject demo_gr_subjects[];
extern const size_t demo_n_gr_subjects;
extern const demo_subject demo_grs_subjects[];
extern const size_t demo_n_grs_subjects;

/* Upper-secondary courses (GY2011). */
typedef struct demo_course {
    const char *code;        /* "MATMAT01a" */
    const char *name;        /* "Matematik 1a" */
    const char *subj_code;   /* "MAT" */
    const char *subj_name;   /* "Matematik" */
    int points;
} demo_course;
extern const demo_course demo_gy_courses[];
extern const size_t demo_n_gy_courses;

/* Upper-secondary programmes and their orientations. Course lists are
 * indexes into demo_gy_courses, terminated by -1. */
typedef struct demo_orientation {
    const char *code, *name;
    int courses[6];
} demo_orientation;
typedef struct demo_programme {
    const char *code, *name, *type;
    int common[10];   /* gymnasiegemensamma */
    int progcommon[8];/* programgemensamma */
    int project;      /* gymnasiearbete */
    demo_orientation ori[4];
    int nori;
} demo_programme;
extern const demo_programme demo_programmes[];
extern const size_t demo_n_programmes;

typedef struct demo_programme_brief {
    const char *code, *name;
} demo_programme_brief;
extern const demo_programme_brief demo_gys_programmes[];
extern const size_t demo_n_gys_programmes;

#endif
