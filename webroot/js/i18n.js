/*
** Message catalogs: /i18n/<lang>.json, one flat object of "key": "text".
** Every element with data-i18n="key" gets the text as textContent (never
** innerHTML); data-i18n-placeholder, data-i18n-aria-label, data-i18n-title
** and data-i18n-alt fill those attributes.
**
** Only the chosen language's file is loaded. The English in the HTML stays
** where that catalog lacks a key; a key asked for in script and missing
** loads English then (once), and the page is filled again when it comes.
**
** A page of the drive (join, consent, contribute: <meta name="catalog"
** content="drive">) served from the built webroot loads only its part of
** the catalog, the strings those pages use (ops/webroot.cmake picks them
** from their scripts and writes LANG.drive.HASH.json beside LANG.json); a
** key the part lacks loads English's part (as above), and a key that
** lacks too the whole catalogs then (once); the page is filled again. The
** error messages are a part of their own, loaded when the page first
** shows an error (withErrors()). CATALOGS, the build's list of each language's files under
** their content-hashed names, is empty in the source tree: the pages load
** i18n/LANG.json there.
**
** The languages offered are the node's (GET /api/v1/i18n: those with
** enough of the catalog translated), asked for beside the catalog so the
** page waits for neither twice; strings saved on the node's translation
** page (GET /api/v1/i18n/{lang}/overrides) are laid over the file when it
** has any. Without the node's list (offline, an older node) the catalogs
** shipped with the pages are offered.
**
** The language comes from ?lang=, else localStorage, else the browser's
** languages, else English.
*/

/* The catalogs shipped in webroot/i18n/, offered when the node's list is
   out of reach, with each language's name in itself. */
export const KNOWN = ['en', 'fr', 'ru', 'is', 'tg', 'ak', 'ee', 'gaa'];
export const ENDONYMS = {
	en: 'English',
	fr: 'Français',
	ru: 'Русский',
	is: 'Íslenska',
	tg: 'Тоҷикӣ',
	ak: 'Twi',
	ee: 'Eʋegbe',
	gaa: 'Gã',
};

/* {lang: {all: 'en.3f2a91c0d4.json', drive: 'en.drive.0b1c2d3e4f.json'}},
   written by the build (ops/webroot.cmake); keep this line as it is. */
const CATALOGS = {};
/* The part of the catalog this page loads ('drive'), or null: all of it. */
const PART = document.querySelector('meta[name="catalog"]')?.content || null;

const STORE_KEY = 'tributary.lang';
const ATTRS = ['placeholder', 'aria-label', 'title', 'alt'];

let lang = 'en';
let catalog = {};
let fallback = null; /* English, loaded only once a key is missing */
let fallbackLoading = null;
let partial = false; /* catalog (and fallback) are the page's part only */
let wholeLoading = null;
/* The node's list, [{lang,name,coverage,reviewed,offered,overrides}], or
   null until it answers (or when it cannot). */
let offered = null;
let listAnswer = null;

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

/* The codes that may be chosen: the node's offered ones, else KNOWN. */
function codes() {
	return offered === null ? KNOWN : offered.map((x) => x.lang);
}

function supported(tag) {
	if (typeof tag !== 'string')
		return null;
	const t = tag.toLowerCase().replace(/_/g, '-');
	const ok = codes();
	if (ok.includes(t))
		return t;
	const base = t.split('-')[0];
	return ok.includes(base) ? base : null;
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
	const n = offered?.find((x) => x.lang === lang);
	if (n && typeof n.reviewed === 'boolean')
		return n.reviewed || lang === 'en';
	return catalog._reviewed !== false;
}

async function fetchJson(url) {
	const res = await fetch(url, { credentials: 'same-origin' });
	if (!res.ok)
		throw new Error(`${url}: HTTP ${res.status}`);
	return res.json();
}

/* ${l}'s catalog file: the page's part of it if the build made one and
   ${whole} is false, else all of it. */
function catalogFile(l, whole) {
	const built = Object.hasOwn(CATALOGS, l) ? CATALOGS[l] : null;
	if (built !== null && !whole && PART !== null && typeof built[PART] === 'string')
		return built[PART];
	return built !== null && typeof built.all === 'string' ? built.all : `${l}.json`;
}

function fetchCatalog(l, whole = false) {
	return fetchJson(new URL(`../i18n/${catalogFile(l, whole)}`, import.meta.url));
}

/* ${l}'s part ${name} of the catalog ('errors'), or null if the build made
   none (the source tree, or a whole catalog). */
function fetchPart(l, name) {
	const built = Object.hasOwn(CATALOGS, l) ? CATALOGS[l] : null;
	if (built === null || typeof built[name] !== 'string')
		return null;
	return fetchJson(new URL(`../i18n/${built[name]}`, import.meta.url));
}

let errorsLoading = null;

/*
** Resolves once the error messages (error.*) are in the catalog: at once
** when the page has all of it; else, the first time, with the language's
** part of them (and English's beneath it, for a message not yet
** translated) fetched: a page of a drive loads them only when it first
** shows an error (ops/webroot.cmake). Never rejects: without them an
** error is worded as error.generic.
*/
export function withErrors() {
	if (!partial)
		return Promise.resolve();
	if (errorsLoading === null) {
		const l = lang;
		const own = fetchPart(l, 'errors');
		const en = l === 'en' ? null : fetchPart('en', 'errors');
		const p = Promise.all([own, en]).then(([c, e]) => {
			if (lang === l && partial)
				catalog = { ...(e ?? {}), ...(c ?? {}), ...catalog };
		}, (e) => {
			console.warn(e);
			if (errorsLoading === p)
				errorsLoading = null; /* offline: asked again next time */
		});
		errorsLoading = p;
	}
	return errorsLoading;
}

/* Is ${l}'s catalog, as fetchCatalog(l) loads it, a part only? */
function isPart(l) {
	return catalogFile(l, false) !== catalogFile(l, true);
}

/* How long a page keeps a public list in the tab for the pages after it. */
const SHARED_MS = 10 * 60 * 1000;
const SHARED_PREFIX = 'tributary.shared:';

/*
** ${load}()'s answer to ${key}, a public list every page asks for (the
** node's languages, for the menu), kept in this tab (sessionStorage) for
** SHARED_MS: the next page of the same visit takes it from there instead
** of asking again (on a 400 ms link each answer is a share of a round trip
** and some 300 bytes). A page that changes it forgets what is kept
** (forgetShared(); api.js does it on any change under /api/v1/i18n); a
** load that fails keeps nothing. (The campaigns are not kept so: a drive's
** limits must be the node's as the recorder opens.)
*/
export function shared(key, load) {
	try {
		const v = JSON.parse(sessionStorage.getItem(SHARED_PREFIX + key) ?? 'null');
		const age = v !== null && typeof v.t === 'number' ? Date.now() - v.t : -1;
		if (age >= 0 && age < SHARED_MS)
			return Promise.resolve(v.body);
	} catch {
		/* nothing kept, or no storage: ask */
	}
	return load().then((body) => {
		try {
			sessionStorage.setItem(SHARED_PREFIX + key, JSON.stringify({ t: Date.now(), body }));
		} catch {
			/* no room: the next page asks again */
		}
		return body;
	});
}

/* Forgets every list shared() keeps in this tab. */
export function forgetShared() {
	try {
		for (const k of Object.keys(sessionStorage))
			if (k.startsWith(SHARED_PREFIX))
				sessionStorage.removeItem(k);
	} catch {
		/* no storage: nothing kept */
	}
}

/*
** The node's language list (one request a visit, shared()); resolves to
** the offered entries, or null when the node cannot say.
*/
export function languages() {
	if (listAnswer === null)
		listAnswer = shared('/api/v1/i18n', () => fetch('/api/v1/i18n', {
			credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-cache',
		}).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`/api/v1/i18n: HTTP ${r.status}`))))).then((j) => {
			const list = Array.isArray(j?.languages) ? j.languages : null;
			if (list === null)
				return null;
			const ok = list.filter((x) => x && typeof x.lang === 'string' && x.offered !== false);
			if (!ok.some((x) => x.lang === 'en'))
				ok.unshift({ lang: 'en', name: 'English', reviewed: true, offered: true, overrides: 0 });
			return ok;
		}).catch(() => null);
	return listAnswer;
}

/* Loads English for the keys ${l}'s catalog lacks, then fills the page again. */
function needFallback() {
	if (fallback !== null || fallbackLoading !== null || lang === 'en')
		return;
	const part = partial;
	fallbackLoading = fetchCatalog('en', !part).then((c) => {
		fallback = part && !partial ? null : c;
		if (fallback === null) {
			/* the whole catalog came meanwhile: English whole too */
			fallbackLoading = null;
			needFallback();
			return;
		}
		apply();
		document.dispatchEvent(new CustomEvent('langchange', { detail: { lang } }));
	}, (e) => {
		console.warn(e);
	});
}

/*
** Loads the whole of the page's language's catalog (and of English, if
** that is loaded as the fallback) when only the page's part is, then
** fills the page again. The node's saved strings stay over it.
*/
function needWhole() {
	if (!partial || wholeLoading !== null)
		return;
	const l = lang;
	const own = fetchCatalog(l, true);
	const en = fallback !== null && fallback !== catalog ? fetchCatalog('en', true) : null;
	wholeLoading = Promise.all([own, en]).then(([c, e]) => {
		if (lang !== l)
			return;
		const wasEn = fallback === catalog;
		catalog = { ...c, ...catalog };
		if (wasEn)
			fallback = catalog;
		else if (e !== null)
			fallback = { ...e, ...fallback };
		partial = false;
		apply();
		document.dispatchEvent(new CustomEvent('langchange', { detail: { lang } }));
	}, (e) => {
		console.warn(e);
	});
}

function lookup(key) {
	const s = catalog[key];
	if (typeof s === 'string')
		return s;
	if (fallback !== null && typeof fallback[key] === 'string')
		return fallback[key];
	/* English first (a part's keys are English's part's: a key the
	   language lacks is found there), the whole catalogs only for a key
	   English's part lacks too */
	if (fallback === null && lang !== 'en')
		needFallback();
	else
		needWhole();
	return null;
}

/*
** The text for ${key}, with {name} placeholders filled from ${vars}.
** Falls back to English (loaded when first missed), then to the key.
*/
export function t(key, vars) {
	let s = lookup(key);
	if (s === null)
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
	return typeof catalog[key] === 'string' || (fallback !== null && typeof fallback[key] === 'string');
}

/*
** Fills every data-i18n element (and attribute) under ${root}. A key the
** catalog lacks leaves the element as it is (the HTML's English) unless
** English is loaded; then English.
*/
export function apply(root = document) {
	for (const el of root.querySelectorAll('[data-i18n]')) {
		const s = lookup(el.dataset.i18n);
		if (s !== null)
			el.textContent = s;
	}
	for (const a of ATTRS) {
		const sel = `[data-i18n-${a}]`;
		const ds = 'i18n' + a.replace(/(^|-)(\w)/g, (m, d, c) => c.toUpperCase());
		for (const el of root.querySelectorAll(sel)) {
			const s = lookup(el.dataset[ds]);
			if (s !== null)
				el.setAttribute(a, s);
		}
	}
	if (root === document) {
		document.documentElement.lang = lang;
		document.documentElement.dir = 'ltr';
		const draft = document.getElementById('draft-ui');
		if (draft)
			draft.hidden = reviewed();
	}
}

/* ${l}'s catalog with the node's saved strings over it, if it has any. */
async function load(l) {
	const [file, list] = await Promise.all([fetchCatalog(l), languages()]);
	if (list !== null)
		offered = list;
	const n = list?.find((x) => x.lang === l);
	if (n && Number(n.overrides) > 0) {
		try {
			const o = await fetchJson(`/api/v1/i18n/${encodeURIComponent(l)}/overrides`);
			if (o && typeof o === 'object')
				for (const [k, v] of Object.entries(o))
					if (typeof v === 'string' && v !== '')
						file[k] = v;
		} catch (e) {
			console.warn(e); /* the file alone */
		}
	}
	return file;
}

/* Loads ${l}'s catalog, makes it current, and fills the page. */
export async function setLang(l, { remember = true } = {}) {
	l = supported(l) || 'en';
	let c;
	try {
		c = await load(l);
	} catch (e) {
		if (l === 'en')
			throw e;
		console.warn(e);
		l = 'en';
		c = await load('en');
	}
	catalog = c;
	lang = l;
	partial = isPart(l);
	wholeLoading = null;
	errorsLoading = null;
	if (l === 'en')
		fallback = c;
	if (remember)
		store(l);
	const u = new URL(location.href);
	if (u.searchParams.get('lang') !== null && u.searchParams.get('lang') !== l) {
		u.searchParams.set('lang', l);
		history.replaceState(history.state, '', u);
	}
	apply();
	fillMenu();
	/* a catalog the node says is incomplete: English for what script asks
	   later, fetched now but waited for by nothing */
	const n = offered?.find((x) => x.lang === l);
	if (n && Number.isFinite(Number(n.coverage)) && Number(n.coverage) < 1)
		needFallback();
	document.dispatchEvent(new CustomEvent('langchange', { detail: { lang: l } }));
	return l;
}

/* The <select id="lang"> holds the offered languages, each in itself. */
function fillMenu() {
	const sel = document.getElementById('lang');
	if (!sel)
		return;
	const list = offered ?? KNOWN.map((l) => ({ lang: l, name: ENDONYMS[l] }));
	const want = list.map((x) => x.lang).join(' ');
	if ([...sel.options].map((o) => o.value).join(' ') !== want) {
		sel.replaceChildren(...list.map((x) => {
			const o = document.createElement('option');
			o.value = x.lang;
			o.lang = x.lang;
			o.textContent = ENDONYMS[x.lang] || (typeof x.name === 'string' && x.name) || x.lang;
			return o;
		}));
	}
	sel.value = lang;
}

/*
** Starts i18n on a page: picks the language, fills the page, and wires
** the <select id="lang"> switcher if there is one. The node's list and
** the catalog are asked for at once; a language the browser prefers that
** the node does not offer is dropped when its list arrives.
*/
export async function init() {
	const sel = document.getElementById('lang');
	const fromUrl = new URLSearchParams(location.search).get('lang') !== null;
	let l = await setLang(pickLang(), { remember: fromUrl });
	if (offered !== null && !offered.some((x) => x.lang === l)) {
		const next = pickLang();
		if (next !== l)
			l = await setLang(next, { remember: false });
	}
	fillMenu();
	if (sel)
		sel.addEventListener('change', () => setLang(sel.value));
	return l;
}

/* Text typed by a person, in the form we send and compare: Unicode NFC. */
export function nfc(s) {
	return String(s ?? '').normalize('NFC');
}

/* The name of language ${code} in the page's language, or the code. */
export function languageName(code) {
	const own = ENDONYMS[code] || offered?.find((x) => x.lang === code)?.name;
	if (own && code === lang)
		return own;
	try {
		/* a browser without names in this language would give English:
		   the language's own name is better then */
		if (Intl.DisplayNames.supportedLocalesOf([lang]).length === 0)
			return own || code;
		const dn = new Intl.DisplayNames([lang], { type: 'language' });
		const n = dn.of(code);
		if (n && n !== code)
			return n;
	} catch {
		/* old browser */
	}
	return own || code;
}

/* A Unix time in seconds, as a date and time in the page's language. */
export function formatTime(sec) {
	if (sec === null || sec === undefined)
		return '';
	const d = new Date(Number(sec) * 1000);
	try {
		/* no month names in this language here: numbers alone, not English */
		if (Intl.DateTimeFormat.supportedLocalesOf([lang]).length === 0) {
			const p2 = (n) => String(n).padStart(2, '0');
			return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}`;
		}
		return new Intl.DateTimeFormat(lang, {
			dateStyle: 'medium',
			timeStyle: 'short',
		}).format(d);
	} catch {
		return d.toISOString();
	}
}
