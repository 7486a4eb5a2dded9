/*
 * GET /qr/{handle}: a QR code of the handle's proxy URL (http.public_url, '/', the handle
 * percent-encoded), for labels. PNG by default, SVG with ?format=svg; ?ecc=L|M|Q|H, ?size=
 * (pixels a module) and ?margin= (modules of quiet zone) as `pazhou qr` takes them.
 */
#ifndef NODE_HTTP_QR_H
#define NODE_HTTP_QR_H

#include "resolver/http/http_call.h"

/* Answers c, whose path is "/qr/" and the percent-encoded handle. */
void http_qr_get(struct http_call *c);

#endif
