/* The node's own key pair: it goes into the site information and signs certified responses. */
#ifndef NODE_SERVER_KEY_H
#define NODE_SERVER_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

/* Loads the PEM private key at path; when the file does not exist, generates an RSA-2048 key and
 * writes it there (mode 0600). Returns 0 and the key (free with EVP_PKEY_free), or -1 with a
 * message in err. */
int server_key_load_or_create(const char *path, EVP_PKEY **out, char *err, size_t errlen);

#endif
