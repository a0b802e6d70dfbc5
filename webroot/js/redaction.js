/*
** What the server's redaction did, in words: the report {"EMAIL":1,...}
** as a translated list, and redacted text with its [PLACEHOLDERS] marked.
** Both build DOM nodes and set only textContent.
*/
import { t, tn, has } from './i18n.js';

/* Report kinds in the order they are listed; others follow by name. */
const ORDER = ['EMAIL', 'PHONE', 'NAME', 'URL', 'IP', 'CARD', 'IBAN', 'NATIONAL_ID', 'KENNITALA', 'HANDLE', 'CONTACT'];

/* A plain list: "a, b, c" with the catalog's separator (Intl's unit
   lists drop the commas in some languages). */
function joinList(items) {
	return items.join(t('redact.separator'));
}

/* "1 e-mail address, 1 phone number", or the words for nothing removed. */
export function removedSummary(report) {
	const entries = Object.entries(report && typeof report === 'object' ? report : {})
	    .filter(([, n]) => Number.isFinite(Number(n)) && Number(n) > 0)
	    .sort(([a], [b]) => {
		    const ia = ORDER.indexOf(a), ib = ORDER.indexOf(b);
		    return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib) || a.localeCompare(b);
	    });
	if (entries.length === 0)
		return t('redact.none');
	return joinList(entries.map(([kind, n]) => {
		const k = `redact.${kind}`;
		return has(k) ? tn(k, Number(n)) : tn('redact.other', Number(n), { kind });
	}));
}

const PLACEHOLDER = /\[([A-Z][A-Z0-9_]*)\]/g;

/* ${parent} filled with ${text}; each [KIND] placeholder is a <mark>. */
export function fillRedacted(parent, text) {
	parent.replaceChildren();
	const s = String(text ?? '');
	let last = 0;
	for (const m of s.matchAll(PLACEHOLDER)) {
		if (m.index > last)
			parent.append(document.createTextNode(s.slice(last, m.index)));
		const mark = document.createElement('mark');
		mark.className = 'ph';
		mark.textContent = m[0];
		parent.append(mark);
		last = m.index + m[0].length;
	}
	if (last < s.length)
		parent.append(document.createTextNode(s.slice(last)));
	return parent;
}
