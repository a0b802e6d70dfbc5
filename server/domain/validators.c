/*
** The validators a redaction rule may name (redact.h, redact_int.h): the
** checksums of card numbers (Luhn), IBANs (ISO 13616 mod 97) and
** Icelandic kennitala, and the shapes of IP addresses and phone numbers.
** A rule's pattern finds what looks like one; its validator says whether
** it is one, so "4111 1111 1111 1112" or a date that is no kennitala stay
** in the text. Each reads exactly the ${n} bytes it is given.
*/
#include <arpa/inet.h>
#include <string.h>

#include "redact_int.h"

const char *const redact_validator_names[NV] = { "none", "luhn", "iban",
	"kennitala", "ip", "phone" };

int
redact_luhn_ok(const char *s, size_t n)
{
	int sum = 0, dbl = 0, nd = 0, d;
	size_t i;

	for (i = n; i-- > 0;) {
		if (!redact_is_digit(s[i]))
			continue;
		d = s[i] - '0';
		if (dbl && (d *= 2) > 9)
			d -= 9;
		sum += d;
		dbl = !dbl;
		nd++;
	}
	return (nd >= 12 && nd <= 19 && sum % 10 == 0);
}

/* IBAN lengths by country (SWIFT IBAN registry). */
static const struct {
	char cc[3];
	int len;
} iban_lengths[] = { { "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 },
	{ "AZ", 28 }, { "BA", 20 }, { "BE", 16 }, { "BG", 22 }, { "BH", 22 },
	{ "BI", 27 }, { "BR", 29 }, { "BY", 28 }, { "CH", 21 }, { "CR", 22 },
	{ "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DJ", 27 }, { "DK", 18 },
	{ "DO", 28 }, { "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 },
	{ "FK", 18 }, { "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 },
	{ "GI", 23 }, { "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HR", 21 },
	{ "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 },
	{ "IT", 27 }, { "JO", 30 }, { "KW", 30 }, { "KZ", 20 }, { "LB", 28 },
	{ "LC", 32 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
	{ "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 }, { "MK", 19 },
	{ "MN", 20 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 },
	{ "NL", 18 }, { "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 },
	{ "PS", 29 }, { "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "RS", 22 },
	{ "RU", 33 }, { "SA", 24 }, { "SC", 31 }, { "SD", 18 }, { "SE", 24 },
	{ "SI", 19 }, { "SK", 24 }, { "SM", 27 }, { "SO", 23 }, { "ST", 25 },
	{ "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 }, { "UA", 29 },
	{ "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 } };

int
redact_iban_ok(const char *s, size_t n)
{
	char v[34];
	size_t i, k = 0, j;
	unsigned rem = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!redact_is_digit(c) && !redact_is_upper(c))
			continue;
		if (k == sizeof(v))
			return (0);
		v[k++] = c;
	}
	if (k < 15 || !redact_is_upper(v[0]) || !redact_is_upper(v[1]) ||
	    !redact_is_digit(v[2]) || !redact_is_digit(v[3]))
		return (0);
	for (j = 0; j < sizeof(iban_lengths) / sizeof(iban_lengths[0]); j++)
		if (memcmp(iban_lengths[j].cc, v, 2) == 0 &&
		    (size_t)iban_lengths[j].len != k)
			return (0);
	/* The first four characters move to the end; A = 10 ... Z = 35. */
	for (i = 0; i < k; i++) {
		char c = v[(i + 4) % k];

		if (redact_is_digit(c))
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return (rem == 1);
}

int
redact_kennitala_ok(const char *s, size_t n)
{
	static const int w[8] = { 3, 2, 7, 6, 5, 4, 3, 2 };
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int d[10], k = 0, sum = 0, i, day, month, year, check;
	size_t j;

	for (j = 0; j < n; j++) {
		if (!redact_is_digit(s[j]))
			continue;
		if (k == 10)
			return (0);
		d[k++] = s[j] - '0';
	}
	if (k != 10)
		return (0);
	day = d[0] * 10 + d[1];
	month = d[2] * 10 + d[3];
	year = d[4] * 10 + d[5];
	if (day > 40) /* companies and institutions */
		day -= 40;
	if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1])
		return (0);
	switch (d[9]) {
	case 8: year += 1800; break;
	case 9: year += 1900; break;
	case 0: year += 2000; break;
	default: return (0);
	}
	if (month == 2 && day == 29 &&
	    !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return (0);
	for (i = 0; i < 8; i++)
		sum += w[i] * d[i];
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	return (check != 10 && check == d[8]);
}

/* An IPv4 or IPv6 address (an IPv6 zone "%eth0" is allowed). */
static int
ip_ok(const char *s, size_t n)
{
	unsigned char addr[16];
	char a[64];
	size_t k;

	if (n >= sizeof(a))
		return (0);
	memcpy(a, s, n);
	a[n] = '\0';
	if (memchr(a, ':', n) == NULL)
		return (inet_pton(AF_INET, a, addr) == 1);
	for (k = 0; k < n && a[k] != '%'; k++)
		;
	a[k] = '\0';
	return (inet_pton(AF_INET6, a, addr) == 1);
}

/* A phone number has 7 to 15 digits (E.164 allows 15). */
static int
phone_ok(const char *s, size_t n)
{
	size_t i, nd = 0;

	for (i = 0; i < n; i++)
		if (redact_is_digit(s[i]))
			nd++;
	return (nd >= 7 && nd <= 15);
}

int
redact_validate(enum validator v, const char *s, size_t n)
{
	switch (v) {
	case V_NONE: return (1);
	case V_LUHN: return (redact_luhn_ok(s, n));
	case V_IBAN: return (redact_iban_ok(s, n));
	case V_KENNITALA: return (redact_kennitala_ok(s, n));
	case V_IP: return (ip_ok(s, n));
	case V_PHONE: return (phone_ok(s, n));
	case NV: break;
	}
	return (0);
}
