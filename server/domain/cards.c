/*
** Printable drive cards (cards.h).
*/
#include "cards.h"

#include <qrencode.h>
#include <string.h>

/* Writes ${s} with HTML's five special characters escaped. */
static void
html_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
}

/* One QR code as an SVG path: a 1-unit square per dark module. */
static int
qr_svg(FILE *out, const char *text)
{
	QRcode *q;
	int x, y, w;

	if ((q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL)
		return (-1);
	w = q->width;
	fprintf(out,
	    "<svg class=\"qr\" viewBox=\"-4 -4 %d %d\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	    "aria-label=\"QR code\"><rect x=\"-4\" y=\"-4\" width=\"%d\" "
	    "height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	    w + 8, w + 8, w + 8, w + 8);
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				fprintf(out, "M%d %dh1v1h-1z", x, y);
	fputs("\"/></svg>\n", out);
	QRcode_free(q);
	return (0);
}

int
cards_write(FILE *out, const char *base_url, const char *title,
    char (*codes)[CARD_CODE_LEN + 1], int n)
{
	char url[1024];
	int i;

	fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
	      "<title>Drive cards</title>\n<style>\n"
	      "body{font-family:system-ui,\"Noto Sans\",\"DejaVu Sans\","
	      "sans-serif;margin:0}\n"
	      ".card{display:inline-block;width:85mm;height:54mm;box-sizing:"
	      "border-box;border:1px dashed #999;padding:4mm;margin:2mm;"
	      "vertical-align:top;page-break-inside:avoid;position:relative}\n"
	      ".qr{width:30mm;height:30mm;position:absolute;right:4mm;"
	      "bottom:4mm}\n"
	      ".code{font:bold 6mm/1.2 monospace;letter-spacing:.5mm;"
	      "margin-top:3mm}\n"
	      "h2{font-size:4mm;margin:0}\np{font-size:3mm;margin:2mm 0;"
	      "width:45mm}\n</style></head><body>\n",
	    out);
	for (i = 0; i < n; i++) {
		snprintf(url, sizeof(url), "%s/join.html?card=%s", base_url,
		    codes[i]);
		fputs("<div class=\"card\"><h2>", out);
		html_text(out, title);
		fputs("</h2><div class=\"code\">", out);
		html_text(out, codes[i]);
		fputs("</div><p>Scan the code or open ", out);
		html_text(out, base_url);
		fputs(" and type this card code. Choose a PIN of 4 to 8 "
		      "digits the first time. Keep this card: it is your "
		      "login on any phone.</p>\n",
		    out);
		if (qr_svg(out, url) == -1)
			return (-1);
		fputs("</div>\n", out);
	}
	fputs("</body></html>\n", out);
	return (ferror(out) ? -1 : 0);
}
