/*
** The JSON API, same origin. Every POST carries the X-CSRF-Token from the
** last login, join or /me answer (the session cookie itself is HttpOnly:
** this page never sees it). An error answer {"error":{"code","message"}}
** becomes a thrown ApiError whose message is the server's plain words.
*/
import { t, currentLang } from './i18n.js';

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
	const opts = { method, credentials: 'same-origin', headers, cache: 'no-store' };
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
		const message =
		    typeof e.message === 'string' && e.message !== '' ? e.message : t('error.generic');
		throw new ApiError(res.status, code, message, data, res.headers);
	}
	if (data && typeof data.csrf === 'string')
		csrf = data.csrf;
	return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);

let meAnswer = null; /* the promise of this page's /me, shared */

async function fetchMe() {
	try {
		return await get('/api/v1/me');
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

/*
** Shows ${err} in ${el} (a role="alert" element). In a language other than
** English, a translated sentence for the error's code comes first and the
** server's own words follow (they may hold details such as attempts left).
*/
export function showError(el, err) {
	el.replaceChildren();
	if (!err)
		return;
	const code = err instanceof ApiError ? err.code : null;
	let local = null;
	if (code !== null) {
		const k = `error.${code}`;
		const s = t(k);
		if (s !== k)
			local = s;
		if (code === 'card_locked' && err.retryAfter !== null)
			local = t('error.card_locked_wait', {
				minutes: Math.max(1, Math.ceil(err.retryAfter / 60)),
			});
	}
	const server = err.message || t('error.generic');
	const main = document.createElement('p');
	if (local !== null && (currentLang() !== 'en' || code === 'card_locked' || code === 'network')) {
		main.textContent = local;
		el.append(main);
		if (server !== local && code !== 'network') {
			const d = document.createElement('p');
			d.className = 'detail';
			d.textContent = server;
			el.append(d);
		}
	} else {
		main.textContent = server;
		el.append(main);
	}
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
