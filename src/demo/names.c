/*
 * Tables for the demo generator. Names are common Swedish names plus a few
 * that exercise collation and case handling (Å/Ä/Ö initials, accents,
 * particles like "af" and "von", mixed case like "McDonald").
 */
#include "demo/names.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const demo_given_female[] = {
    "Alice", "Maja", "Elsa", "Astrid", "Wilma", "Freja", "Olivia", "Ebba", "Alma", "Selma",
    "Vera", "Ella", "Saga", "Agnes", "Clara", "Stella", "Lilly", "Alva", "Signe", "Ellen",
    "Elvira", "Juni", "Nora", "Tyra", "Edith", "Ines", "Hedda", "Siri", "Lova", "Isabelle",
    "Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Malin", "Sofia",
    "Johanna", "Linnea", "Hanna", "Jenny", "Ida", "Elin", "Frida", "Helena", "Camilla", "Therese",
    "Åsa", "Åsa-Lena", "Ängla", "Ögla", "Émilie", "Zoë", "Chloé", "Zelda", "Anna-Karin", "Ann-Sofie",
    "Amira", "Fatima", "Leyla", "Noor", "Yasmin", "Aisha", "Mariam", "Zeynep", "Ayan", "Hiba",
    "Nadia", "Irma", "Lovisa", "Matilda", "Cornelia", "Tilda", "Märta", "Ylva", "Solveig", "Ingrid",
};
const size_t demo_n_given_female = N(demo_given_female);

const char *const demo_given_male[] = {
    "William", "Liam", "Noah", "Hugo", "Lucas", "Oliver", "Adam", "Elias", "Alexander", "Leo",
    "Vincent", "Ludvig", "Oscar", "Charlie", "Nils", "Theo", "Harry", "Frans", "Axel", "Arvid",
    "Malte", "Edvin", "Sixten", "Albin", "Viggo", "Melvin", "Isak", "Gustav", "Love", "Sigge",
    "Anders", "Johan", "Lars", "Mikael", "Erik", "Per", "Karl", "Peter", "Thomas", "Jan",
    "Daniel", "Fredrik", "Andreas", "Magnus", "Mattias", "Jonas", "Niklas", "Martin", "Henrik", "Stefan",
    "Östen", "Åke", "Örjan", "Ömer", "Émile", "José", "André", "Zacharias", "Jan-Erik", "Per-Olof",
    "Ali", "Mohammed", "Omar", "Yusuf", "Ibrahim", "Hassan", "Amir", "Mustafa", "Abdi", "Karim",
    "Björn", "Göran", "Sölve", "Tor", "Ivar", "Loke", "Bo", "Ove", "Egon", "Ture",
};
const size_t demo_n_given_male = N(demo_given_male);

const char *const demo_family[] = {
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson",
    "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg",
    "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist", "Mattsson", "Berglund",
    "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund",
    "Danielsson", "Lundin", "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström",
    "Samuelsson", "Isaksson", "Fransson", "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren",
    "Söderberg", "Nyberg", "Blomqvist", "Claesson", "Nordström", "Mårtensson", "Lundström", "Viklund",
    "Åberg", "Åkesson", "Ågren", "Ångström", "Öberg", "Östlund", "Östberg", "Öhman", "Ärlig", "Älvén",
    "Ekström", "Ek", "Hedlund", "Sundberg", "Sundström", "Strand", "Falk", "Nordin", "Hellström",
    "af Klint", "von Essen", "de la Cruz", "McDonald", "MacLeod", "DuRietz", "Björklund-Öst", "Dahl",
    "Ahmed", "Ali", "Mohammed", "Hassan", "Yilmaz", "Kaya", "Nguyen", "Kowalski", "Novak", "Hussein",
    "Abdullahi", "Rodríguez", "García", "Müller", "Schäfer", "Jäger", "Lefèvre", "Núñez", "Çelik",
    "Zetterberg", "Zackrisson", "Zaar", "Westerlund", "Vesterberg", "Törnqvist", "Quist", "Yngvesson",
};
const size_t demo_n_family = N(demo_family);

const char *const demo_streets[] = {
    "Storgatan", "Kyrkogatan", "Skolgatan", "Järnvägsgatan", "Drottninggatan", "Kungsgatan",
    "Ringvägen", "Parkvägen", "Björkvägen", "Ekvägen", "Lindvägen", "Granvägen", "Tallstigen",
    "Ängsvägen", "Åkervägen", "Östra Långgatan", "Västra Vägen", "Norra Allén", "Södra Torget",
    "Kvarnbacken", "Hagavägen", "Sjövägen", "Strandpromenaden", "Bruksgatan", "Smedjegatan",
    "Prästgårdsvägen", "Lärkstigen", "Rönnvägen", "Hasselgången", "Syrénvägen", "Fabriksgatan",
    "Vallgatan", "Ödegårdsvägen", "Älvgatan", "Mittköpingsvägen", "Gamla landsvägen",
};
const size_t demo_n_streets = N(demo_streets);

const char *const demo_place_prefix[] = {
    "Björk", "Ek", "Lind", "Tall", "Sol", "Äng", "Åker", "Öster", "Väster", "Norr",
    "Sjö", "Berg", "Kvarn", "Hag", "Lunda", "Vall", "Rosen", "Lärk", "Hassel", "Rönn",
    "Alm", "Lönn", "Gran", "Ås", "Dal", "Vik", "Mosse", "Hed", "Strand", "Källa",
};
const size_t demo_n_place_prefix = N(demo_place_prefix);

const char *const demo_town_prefix[] = {
    "Mitt", "Norr", "Söder", "Öster", "Väster", "Ny", "Gam", "Berg", "Sjö", "Älv", "Ås",
    "Lind", "Ek", "Björk", "Hag", "Strand", "Dal", "Mo", "Skog", "Fors", "Holm", "Sand",
};
const size_t demo_n_town_prefix = N(demo_town_prefix);

const char *const demo_town_suffix[] = {
    "köping", "sala", "by", "vik", "ås", "hamn", "fors", "torp", "holm", "berga", "tuna", "sund", "älv",
};
const size_t demo_n_town_suffix = N(demo_town_suffix);

const char *const demo_avdelning[] = {
    "Blåklockan", "Humlan", "Myran", "Ekorren", "Nyckelpigan", "Solrosen", "Ugglan", "Igelkotten",
    "Räven", "Snäckan", "Vitsippan", "Älgen", "Örnen", "Tranan", "Fjärilen", "Lärkan",
};
const size_t demo_n_avdelning = N(demo_avdelning);

const demo_subject demo_gr_subjects[] = {
    { "SV", "GRGRSVE01", "Svenska", 0 },
    { "MA", "GRGRMAT01", "Matematik", 0 },
    { "EN", "GRGRENG01", "Engelska", 0 },
    { "BI", "GRGRBIO01", "Biologi", 0 },
    { "FY", "GRGRFYS01", "Fysik", 0 },
    { "KE", "GRGRKEM01", "Kemi", 0 },
    { "TK", "GRGRTEK01", "Teknik", 0 },
    { "GE", "GRGRGEO01", "Geografi", 0 },
    { "HI", "GRGRHIS01", "Historia", 0 },
    { "RE", "GRGRREL01", "Religionskunskap", 0 },
    { "SH", "GRGRSAM01", "Samhällskunskap", 0 },
    { "BL", "GRGRBIL01", "Bild", 0 },
    { "MU", "GRGRMUS01", "Musik", 0 },
    { "SL", "GRGRSLJ01", "Slöjd", 0 },
    { "IDH", "GRGRIDH01", "Idrott och hälsa", 0 },
    { "HKK", "GRGRHKK01", "Hem- och konsumentkunskap", 0 },
    { "M2", "GRGRMSP01", "Moderna språk", "spa" },
    { "M2", "GRGRMSP01", "Moderna språk", "deu" },
    { "M2", "GRGRMSP01", "Moderna språk", "fra" },
};
const size_t demo_n_gr_subjects = N(demo_gr_subjects);

const demo_subject demo_grs_subjects[] = {
    { "SV", "GSGRSVE01", "Svenska", 0 },
    { "MA", "GSGRMAT01", "Matematik", 0 },
    { "IDH", "GSGRIDH01", "Idrott och hälsa", 0 },
    { "BL", "GSGRBIL01", "Bild", 0 },
};
const size_t demo_n_grs_subjects = N(demo_grs_subjects);

const demo_course demo_gy_courses[] = {
    /*  0 */ { "ENGENG05", "Engelska 5", "ENG", "Engelska", 100 },
    /*  1 */ { "ENGENG06", "Engelska 6", "ENG", "Engelska", 100 },
    /*  2 */ { "MATMAT01a", "Matematik 1a", "MAT", "Matematik", 100 },
    /*  3 */ { "MATMAT01b", "Matematik 1b", "MAT", "Matematik", 100 },
    /*  4 */ { "MATMAT01c", "Matematik 1c", "MAT", "Matematik", 100 },
    /*  5 */ { "MATMAT02c", "Matematik 2c", "MAT", "Matematik", 100 },
    /*  6 */ { "SVESVE01", "Svenska 1", "SVE", "Svenska", 100 },
    /*  7 */ { "SVESVE02", "Svenska 2", "SVE", "Svenska", 100 },
    /*  8 */ { "SVESVE03", "Svenska 3", "SVE", "Svenska", 100 },
    /*  9 */ { "HISHIS01a1", "Historia 1a1", "HIS", "Historia", 50 },
    /* 10 */ { "HISHIS01b", "Historia 1b", "HIS", "Historia", 100 },
    /* 11 */ { "SAMSAM01a1", "Samhällskunskap 1a1", "SAM", "Samhällskunskap", 50 },
    /* 12 */ { "SAMSAM01b", "Samhällskunskap 1b", "SAM", "Samhällskunskap", 100 },
    /* 13 */ { "RELREL01", "Religionskunskap 1", "REL", "Religionskunskap", 50 },
    /* 14 */ { "IDRIDR01", "Idrott och hälsa 1", "IDR", "Idrott och hälsa", 100 },
    /* 15 */ { "NAKNAK01a1", "Naturkunskap 1a1", "NAK", "Naturkunskap", 50 },
    /* 16 */ { "NAKNAK01b", "Naturkunskap 1b", "NAK", "Naturkunskap", 100 },
    /* 17 */ { "FYSFYS01a", "Fysik 1a", "FYS", "Fysik", 150 },
    /* 18 */ { "KEMKEM01", "Kemi 1", "KEM", "Kemi", 100 },
    /* 19 */ { "BIOBIO01", "Biologi 1", "BIO", "Biologi", 100 },
    /* 20 */ { "MODSPA03", "Spanska 3", "MOD", "Moderna språk", 100 },
    /* 21 */ { "PSKPSY01", "Psykologi 1", "PSK", "Psykologi", 50 },
    /* 22 */ { "FIOFIL01", "Filosofi 1", "FIO", "Filosofi", 50 },
    /* 23 */ { "GEOGEO01", "Geografi 1", "GEO", "Geografi", 100 },
    /* 24 */ { "TEKTEK01", "Teknik 1", "TEK", "Teknik", 150 },
    /* 25 */ { "DAODAT01a", "Datorteknik 1a", "DAO", "Datorteknik", 100 },
    /* 26 */ { "PRRPRR01", "Programmering 1", "PRR", "Programmering", 100 },
    /* 27 */ { "GYARNA", "Gymnasiearbete inom naturvetenskapsprogrammet", "GYA", "Gymnasiearbete", 100 },
    /* 28 */ { "GYARSA", "Gymnasiearbete inom samhällsvetenskapsprogrammet", "GYA", "Gymnasiearbete", 100 },
    /* 29 */ { "GYARTE", "Gymnasiearbete inom teknikprogrammet", "GYA", "Gymnasiearbete", 100 },
    /* 30 */ { "GYAREE", "Gymnasiearbete inom el- och energiprogrammet", "GYA", "Gymnasiearbete", 100 },
    /* 31 */ { "ELRELE0", "Elektromekanik", "ELR", "Elektroteknik", 100 },
    /* 32 */ { "ENTENE01", "Energiteknik 1", "ENT", "Energiteknik", 100 },
    /* 33 */ { "MEKMEK01", "Mekatronik 1", "MEK", "Mekatronik", 100 },
    /* 34 */ { "ELIELI01", "Elinstallationer", "ELI", "Elinstallationer", 200 },
    /* 35 */ { "AUTAUT01", "Automationsteknik", "AUT", "Automationsteknik", 100 },
    /* 36 */ { "KEMKEM02", "Kemi 2", "KEM", "Kemi", 100 },
    /* 37 */ { "BIOBIO02", "Biologi 2", "BIO", "Biologi", 100 },
    /* 38 */ { "FYSFYS02", "Fysik 2", "FYS", "Fysik", 100 },
    /* 39 */ { "LEDLED0", "Ledarskap och organisation", "LED", "Ledarskap och organisation", 100 },
    /* 40 */ { "SOCSOC01", "Sociologi", "SOC", "Sociologi", 100 },
    /* 41 */ { "MEDMED01", "Medier, samhälle och kommunikation 1", "MED", "Medier, samhälle och kommunikation", 100 },
    /* 42 */ { "DESDES01", "Design 1", "DES", "Design", 100 },
    /* 43 */ { "PRUPRD01", "Produktutveckling 1", "PRU", "Produktutveckling", 100 },
    /* 44 */ { "WEUWEB01", "Webbutveckling 1", "WEU", "Webbutveckling", 100 },
};
const size_t demo_n_gy_courses = N(demo_gy_courses);

const demo_programme demo_programmes[] = {
    { "NA", "Naturvetenskapsprogrammet", "Högskoleförberedande program",
      { 0, 1, 4, 6, 7, 8, 10, 12, 13, 14 }, { 17, 18, 19, 5, 20, -1, -1, -1 }, 27,
      { { "NANAT", "Naturvetenskap", { 36, 37, 38, -1, -1, -1 } },
        { "NANAS", "Naturvetenskap och samhälle", { 23, 40, 37, -1, -1, -1 } } }, 2 },
    { "SA", "Samhällsvetenskapsprogrammet", "Högskoleförberedande program",
      { 0, 1, 3, 6, 7, 8, 10, 12, 13, 14 }, { 22, 21, 20, 16, -1, -1, -1, -1 }, 28,
      { { "SABET", "Beteendevetenskap", { 40, 39, 41, -1, -1, -1 } },
        { "SASAM", "Samhällsvetenskap", { 23, 40, -1, -1, -1, -1 } } }, 2 },
    { "TE", "Teknikprogrammet", "Högskoleförberedande program",
      { 0, 1, 4, 6, 7, 8, 10, 12, 13, 14 }, { 17, 18, 24, 5, 26, -1, -1, -1 }, 29,
      { { "TEINF", "Informations- och medieteknik", { 44, 25, -1, -1, -1, -1 } },
        { "TEDES", "Design och produktutveckling", { 42, 43, -1, -1, -1, -1 } } }, 2 },
    { "EE", "El- och energiprogrammet", "Yrkesprogram",
      { 0, 2, 6, 9, 11, 13, 14, 15, -1, -1 }, { 31, 32, 33, 25, -1, -1, -1, -1 }, 30,
      { { "EEELT", "Elteknik", { 34, 35, -1, -1, -1, -1 } },
        { "EEAUT", "Automation", { 35, 26, -1, -1, -1, -1 } } }, 2 },
};
const size_t demo_n_programmes = N(demo_programmes);

/* The anpassad gymnasieskola's national programmes: all yrkesprogram. */
const demo_programme_brief demo_gys_programmes[] = {
    { "AHA", "Programmet för administration, handel och varuhantering" },
    { "ESA", "Estetiska programmet (anpassad gymnasieskola)" },
    { "FAA", "Programmet för fastighet, anläggning och byggnation" },
    { "HVA", "Programmet för hälsa, vård och omsorg" },
    { "HRA", "Programmet för hotell, restaurang och bageri" },
    { "SMA", "Programmet för skog, mark och djur" },
};
const size_t demo_n_gys_programmes = N(demo_gys_programmes);
