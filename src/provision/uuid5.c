/* Name-based UUIDs (RFC 4122 version 5) exactly as EgilSCIM makes them, so
 * generated objects keep the ids an SP already has. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "provision/egil.h"

/* The OID namespace, 6ba7b812-9dad-11d1-80b4-00c04fd430c8. */
static const unsigned char NS_OID[16] = { 0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1,
                                          0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };

void egil_uuid5(const char *name, char out[UUID_STR_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    /* SHA-1 on a buffer cannot fail short of memory; then the digest is
     * zero and the UUID still well-formed, never uninitialised. */
    memset(md, 0, sizeof md);
    if (c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, NS_OID, sizeof NS_OID) &&
        EVP_DigestUpdate(c, name, strlen(name)))
        EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    snprintf(out, UUID_STR_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2], md[3],
             md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
}

static void pair(const char *a, const char *b, char out[UUID_STR_LEN])
{
    char name[2 * UUID_STR_LEN];
    snprintf(name, sizeof name, "%s%s", a, b);
    egil_uuid5(name, out);
}

void egil_employment_uuid(const char *unit, const char *person, char out[UUID_STR_LEN])
{
    pair(unit, person, out);
}

void egil_activity_uuid(const char *group, const char *unit, char out[UUID_STR_LEN])
{
    pair(group, unit, out);
}
