/*
** The JSON API, same origin. Every POST carries the X-CSRF-Token from the
** last login, join or /me answer (the session cookie itself is HttpOnly:
** this page never sees it). An error answer {"error":{"code","message"}}
** becomes a thrown ApiError: its code words it (errorText, showError), its
** message keeps the server's English for the folded details and logs.
*/
import { t, has, forgetShared, withErrors } from './i18n.js';

let csrf = null;

export class ApiError extends Error {
	constructor(status, code, message, body, headers) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.body = body;
		this.headers = headers;
	}

	/* Seconds from a Retry-After header, or null. */
	get retryAfter() {
		const v = this.headers ? this.headers.get('Retry-After') : null;
		if (v === null || v === undefined)
			return null;
		const n = Number(v);
		if (Number.isFinite(n))
			return Math.max(0, Math.round(n));
		const d = Date.parse(v);
		return Number.isNaN(d) ? null : Math.max(0, Math.round((d - Date.now()) / 1000));
	}
}

export function csrfToken() {
	return csrf;
}

export async function request(method, path, body, extra) {
	const headers = { ...(extra || {}), Accept: 'application/json' };
	/* a GET may be answered from the browser's copy after a 304: the node
	   lets it keep only public answers (the campaigns, a consent document) */
	const opts = { method, credentials: 'same-origin', headers, cache: method === 'GET' ? 'no-cache' : 'no-store' };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		opts.body = JSON.stringify(body);
	}
	if (method !== 'GET' && method !== 'HEAD' && csrf !== null)
		headers['X-CSRF-Token'] = csrf;

	let res;
	try {
		res = await fetch(path, opts);
	} catch {
		throw new ApiError(0, 'network', t('error.network'), null, null);
	}
	let data = null;
	const text = res.status === 204 ? '' : await res.text();
	if (text !== '') {
		try {
			data = JSON.parse(text);
		} catch {
			data = null;
		}
	}
	if (!res.ok) {
		const e = data && typeof data.error === 'object' ? data.error : {};
		const code = typeof e.code === 'string' ? e.code : `http_${res.status}`;
		const message = typeof e.message === 'string' ? e.message : '';
		throw new ApiError(res.status, code, message, data, res.headers);
	}
	if (data && typeof data.csrf === 'string')
		csrf = data.csrf;
	/* a change to the languages the pages share: the next page asks */
	if (method !== 'GET' && /^\/api\/v1\/i18n(\/|$)/.test(path))
		forgetShared();
	return data;
}

export const get = (path) => request('GET', path);

/* How long an answer handed to the next page waits for it. */
const HANDOFF_MS = 60 * 1000;
const HANDOFF_PREFIX = 'tributary.handoff:';
/* Which person's answers are handed: a new one at every login and logout. */
const HANDOFF_GEN = 'tributary.handoff';

function handoffGen() {
	try {
		return sessionStorage.getItem(HANDOFF_GEN) ?? '';
	} catch {
		return null;
	}
}

/*
** Asks now for ${paths}, what the page the person goes to next will ask
** for first, and hands the answers to it through this tab's
** sessionStorage: it takes each once (getHanded()) within HANDOFF_MS, so
** it opens without a round trip on a weak link while the person is still
** reading this one. A failure hands nothing: the next page asks itself.
** An answer that comes after a logout or a login is dropped: on a phone
** shared at a drive, nobody is handed another person's answers.
*/
export function handOff(paths) {
	const gen = handoffGen();
	for (const path of paths)
		get(path).then((body) => {
			if (gen !== null && handoffGen() === gen)
				handOver(path, body);
		}, () => {});
}

/* Hands ${body}, an answer this page has for ${path} (the login's answer
   is /me's) that came at ${at} (ms since the epoch), to the next page as
   handOff() does. */
export function handOver(path, body, at = Date.now()) {
	try {
		sessionStorage.setItem(HANDOFF_PREFIX + path, JSON.stringify({ t: at, body }));
	} catch {
		/* no room: the next page asks */
	}
}

/* GET ${path}: the answer the page before handed off, once and while
   fresh, else from the node. */
export function getHanded(path) {
	try {
		const k = HANDOFF_PREFIX + path;
		const v = JSON.parse(sessionStorage.getItem(k) ?? 'null');
		sessionStorage.removeItem(k);
		const age = v !== null && typeof v.t === 'number' ? Date.now() - v.t : -1;
		if (age >= 0 && age < HANDOFF_MS) {
			if (v.body && typeof v.body.csrf === 'string')
				csrf = v.body.csrf;
			return Promise.resolve(v.body);
		}
	} catch {
		/* nothing handed, or no storage */
	}
	return get(path);
}

/* Drops every answer handed off and not taken, and those still on their
   way (logging in or out: another person may come next). */
export function dropHanded() {
	try {
		for (const k of Object.keys(sessionStorage))
			if (k.startsWith(HANDOFF_PREFIX))
				sessionStorage.removeItem(k);
		sessionStorage.setItem(HANDOFF_GEN, `${Date.now()}.${Math.random()}`);
	} catch {
		/* no storage */
	}
}

export const post = (path, body) => request('POST', path, body);

let meAnswer = null; /* the promise of this page's /me, shared */

async function fetchMe() {
	try {
		return await getHanded('/api/v1/me');
	} catch (e) {
		if (e instanceof ApiError && e.status === 401)
			return null;
		throw e;
	}
}

/*
** The logged-in account ({account, csrf}), or null if nobody is. One
** request per page: every caller shares the answer (the menu asks too),
** unless ${fresh} asks again.
*/
export function me({ fresh = false } = {}) {
	if (fresh || meAnswer === null) {
		const p = fetchMe();
		meAnswer = p;
		p.catch(() => {
			if (meAnswer === p)
				meAnswer = null; /* a failure is not remembered */
		});
	}
	return meAnswer;
}

export async function logout() {
	await post('/api/v1/logout');
	dropHanded();
	csrf = null;
	meAnswer = Promise.resolve(null);
}

/*
** A random UUID, for an Idempotency-Key; crypto.randomUUID needs a secure
** origin, which a drive's plain-HTTP LAN address is not, so it is built
** from getRandomValues then.
*/
export function uuid() {
	if (typeof crypto.randomUUID === 'function')
		return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/* Sends ${body} as JSON with extra ${headers} (e.g. Idempotency-Key). */
export function postWith(path, body, headers) {
	return request('POST', path, body, headers);
}

/* An answer without a code of ours, by its status. */
const BY_STATUS = { 401: 'login_required', 403: 'forbidden', 404: 'not_found', 413: 'too_large',
	415: 'unsupported', 429: 'rate_limited', 500: 'internal', 503: 'busy', 507: 'storage' };

/* The catalog key for ${err}'s code. */
export function errorKey(err) {
	let code = err instanceof ApiError ? err.code : null;
	if (typeof code === 'string' && code.startsWith('http_'))
		code = BY_STATUS[err.status] ?? null;
	/* every code of the API (server/http/API.md) has its error.<code> in
	   the catalog: until the page has the error messages (withErrors()),
	   or if it cannot get them, an error is worded as error.generic */
	return code !== null && has(`error.${code}`) ? `error.${code}` : 'error.generic';
}

/* ${err} in the person's words: from its code, never the server's text. */
export function errorText(err) {
	const key = errorKey(err);
	const wait = err instanceof ApiError ? err.retryAfter : null;
	if (key === 'error.card_locked' && wait !== null)
		return t('error.card_locked_wait', { minutes: Math.max(1, Math.ceil(wait / 60)) });
	const s = t(key);
	if (wait !== null && wait > 0 && ['error.rate_limited', 'error.login_wait', 'error.busy'].includes(key))
		return `${s} ${t('error.wait_seconds', { seconds: wait })}`;
	return s;
}

/*
** Appends to ${box} the server's own words for ${err}, folded under
** "Details" (they may name a field or a limit), when there are any.
*/
export function appendDetails(box, err) {
	if (!(err instanceof ApiError) || err.code === 'network')
		return;
	const m = typeof err.message === 'string' ? err.message.trim() : '';
	if (m === '')
		return;
	const d = document.createElement('details');
	d.className = 'detail';
	const s = document.createElement('summary');
	s.dataset.i18n = 'error.details';
	s.textContent = t('error.details');
	const p = document.createElement('p');
	p.lang = 'en';
	p.textContent = m;
	d.append(s, p);
	box.append(d);
}

/*
** Shows ${err} in ${el} (a role="alert" element): the sentence for its
** code in the page's language, then the server's words folded away.
*/
export function showError(el, err) {
	el.replaceChildren();
	if (!err)
		return;
	const main = document.createElement('p');
	main.textContent = errorText(err);
	el.append(main);
	appendDetails(el, err);
	/* a page of a drive loads the error messages with its first error:
	   worded generally until they come, then by its code (if the box
	   moved on meanwhile, this paragraph is no longer in it) */
	if (errorKey(err) === 'error.generic' && !(err instanceof ApiError && err.code === 'generic'))
		withErrors().then(() => {
			main.textContent = errorText(err);
		});
}

/* Shows a message of ours (already translated) in ${el}. */
export function showMessage(el, text) {
	el.replaceChildren();
	const p = document.createElement('p');
	p.textContent = text;
	el.append(p);
}

export function clearError(el) {
	el.replaceChildren();
}
