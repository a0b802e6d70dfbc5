/*
** Message catalogs: /i18n/<lang>.json, one flat object of "key": "text".
** Every element with data-i18n="key" gets the text as textContent (never
** innerHTML); data-i18n-placeholder, data-i18n-aria-label, data-i18n-title
** and data-i18n-alt fill those attributes. Missing keys fall back to English.
**
** The language comes from ?lang=, else localStorage, else the browser's
** languages, else English.
*/

export const LANGS = ['en', 'fr', 'ru', 'is', 'tg'];

/* Each language's name in itself, for the switcher. */
export const ENDONYMS = {
	en: 'English',
	fr: 'Français',
	ru: 'Русский',
	is: 'Íslenska',
	tg: 'Тоҷикӣ',
};

const STORE_KEY = 'tributary.lang';
const ATTRS = ['placeholder', 'aria-label', 'title', 'alt'];

let lang = 'en';
let catalog = {};
let fallback = {};

function stored() {
	try {
		return localStorage.getItem(STORE_KEY);
	} catch {
		return null;
	}
}

function store(l) {
	try {
		localStorage.setItem(STORE_KEY, l);
	} catch {
		/* private mode: the URL still carries it */
	}
}

function supported(tag) {
	if (typeof tag !== 'string')
		return null;
	const base = tag.toLowerCase().split(/[-_]/)[0];
	return LANGS.includes(base) ? base : null;
}

/* The language to use, in order of precedence. */
export function pickLang() {
	const q = supported(new URLSearchParams(location.search).get('lang'));
	if (q)
		return q;
	const s = supported(stored());
	if (s)
		return s;
	for (const l of navigator.languages || [navigator.language]) {
		const n = supported(l);
		if (n)
			return n;
	}
	return 'en';
}

export function currentLang() {
	return lang;
}

/* Is the catalog in use checked by a speaker? */
export function reviewed() {
	return catalog._reviewed !== false;
}

async function fetchCatalog(l) {
	const url = new URL(`../i18n/${l}.json`, import.meta.url);
	const res = await fetch(url, { credentials: 'same-origin' });
	if (!res.ok)
		throw new Error(`catalog ${l}: HTTP ${res.status}`);
	return res.json();
}

/*
** The text for ${key}, with {name} placeholders filled from ${vars}.
** Falls back to English, then to the key itself.
*/
export function t(key, vars) {
	let s = catalog[key];
	if (typeof s !== 'string')
		s = fallback[key];
	if (typeof s !== 'string')
		return key;
	if (vars)
		s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
	return s;
}

/*
** A count: the text for ${key} holds one form per plural category,
** "one:# file|other:# files" (categories as Intl.PluralRules names them
** for the page's language: one, two, few, many, other); "#" becomes ${n}.
** A missing category falls back to "other".
*/
export function tn(key, n, vars) {
	const forms = {};
	for (const part of t(key, vars).split('|')) {
		const i = part.indexOf(':');
		if (i > 0)
			forms[part.slice(0, i).trim()] = part.slice(i + 1);
		else
			forms.other = part;
	}
	let cat = 'other';
	try {
		cat = new Intl.PluralRules(lang).select(n);
	} catch {
		/* old browser */
	}
	const s = forms[cat] ?? forms.other ?? '';
	let num = String(n);
	try {
		num = new Intl.NumberFormat(lang).format(n);
	} catch {
		/* old browser */
	}
	return s.replace(/#/g, num);
}

export function has(key) {
	return typeof catalog[key] === 'string' || typeof fallback[key] === 'string';
}

/* Fills every data-i18n element (and attribute) under ${root}. */
export function apply(root = document) {
	for (const el of root.querySelectorAll('[data-i18n]'))
		el.textContent = t(el.dataset.i18n);
	for (const a of ATTRS) {
		const sel = `[data-i18n-${a}]`;
		const ds = 'i18n' + a.replace(/(^|-)(\w)/g, (m, d, c) => c.toUpperCase());
		for (const el of root.querySelectorAll(sel))
			el.setAttribute(a, t(el.dataset[ds]));
	}
	if (root === document) {
		document.documentElement.lang = lang;
		document.documentElement.dir = 'ltr';
		const draft = document.getElementById('draft-ui');
		if (draft)
			draft.hidden = reviewed();
	}
}

/* Loads ${l}'s catalog, makes it current, and fills the page. */
export async function setLang(l, { remember = true } = {}) {
	l = supported(l) || 'en';
	if (Object.keys(fallback).length === 0)
		fallback = await fetchCatalog('en');
	catalog = l === 'en' ? fallback : await fetchCatalog(l).catch(() => fallback);
	lang = l;
	if (remember)
		store(l);
	const u = new URL(location.href);
	if (u.searchParams.get('lang') !== null && u.searchParams.get('lang') !== l) {
		u.searchParams.set('lang', l);
		history.replaceState(history.state, '', u);
	}
	apply();
	document.dispatchEvent(new CustomEvent('langchange', { detail: { lang: l } }));
	return l;
}

/*
** Starts i18n on a page: picks the language, fills the page, and wires
** the <select id="lang"> switcher if there is one.
*/
export async function init() {
	const sel = document.getElementById('lang');
	if (sel && sel.options.length === 0)
		for (const l of LANGS) {
			const o = document.createElement('option');
			o.value = l;
			o.lang = l;
			o.textContent = ENDONYMS[l];
			sel.append(o);
		}
	const fromUrl = supported(new URLSearchParams(location.search).get('lang'));
	const l = await setLang(pickLang(), { remember: fromUrl !== null });
	if (sel) {
		sel.value = l;
		sel.addEventListener('change', () => setLang(sel.value));
	}
	return l;
}

/* Text typed by a person, in the form we send and compare: Unicode NFC. */
export function nfc(s) {
	return String(s ?? '').normalize('NFC');
}

/* The name of language ${code} in the page's language, or the code. */
export function languageName(code) {
	if (ENDONYMS[code] && code === lang)
		return ENDONYMS[code];
	try {
		const dn = new Intl.DisplayNames([lang], { type: 'language' });
		const n = dn.of(code);
		if (n && n !== code)
			return n;
	} catch {
		/* old browser */
	}
	return ENDONYMS[code] || code;
}

/* A Unix time in seconds, as a date and time in the page's language. */
export function formatTime(sec) {
	if (sec === null || sec === undefined)
		return '';
	const d = new Date(Number(sec) * 1000);
	try {
		return new Intl.DateTimeFormat(lang, {
			dateStyle: 'medium',
			timeStyle: 'short',
		}).format(d);
	} catch {
		return d.toISOString();
	}
}
