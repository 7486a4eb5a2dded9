/* The node's own key pair: it goes into the site information and signs certified responses. */
#ifndef NODE_SERVER_KEY_H
#define NODE_SERVER_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

/* A private key file must be readable by its owner alone, as ssh demands of its keys: 0 when
 * path has no permission bit for group or others, -1 with a message in err naming what (e.g.
 * "TLS key"), the path, its mode and the fix otherwise, or when it cannot be examined. */
int server_key_private(const char *path, const char *what, char *err, size_t errlen);

/* Loads the PEM private key at path (refused as server_key_private says); when the file does not
 * exist, generates an RSA-2048 key and writes it there (mode 0600). Returns 0 and the key (free
 * with EVP_PKEY_free), or -1 with a message in err. */
int server_key_load_or_create(const char *path, EVP_PKEY **out, char *err, size_t errlen);

#endif
