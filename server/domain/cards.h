/*
** Printable drive cards: an HTML page (for printing, never served) with one
** card per code, each with the code in large letters and a QR code of the
** join page's address carrying it, drawn as SVG with libqrencode.
*/
#ifndef TRIBUTARY_CARDS_H
#define TRIBUTARY_CARDS_H

#include <stdio.h>

#include "account.h"

/*
** Writes the cards for ${codes}[0..${n}) to ${out}. ${base_url} is the
** node's address as the phones will reach it (e.g. https://drive.lan);
** ${title} the campaign's title. Returns 0, or -1 if a QR code cannot be
** made (out of memory, address too long).
*/
int cards_write(FILE *out, const char *base_url, const char *title,
    char (*codes)[CARD_CODE_LEN + 1], int n);

#endif
