/*
** The outbox: recordings waiting on this phone to be sent, kept in
** IndexedDB so a lost connection, a closed tab or a restarted phone loses
** nothing. Each item holds the WAV, the drive (campaign slug), the prompt,
** its Idempotency-Key (fixed when it is queued: sending it again can never
** make a second contribution) and the account it belongs to. An item is
** only sent while that account is logged in: on a phone shared at a drive,
** one person's recordings never go out under another's login.
**
** Sending does not trust navigator.onLine: it tries. A network failure, a
** 408, a 429 (after its Retry-After) or a 5xx tries again later, after an
** exponential backoff with jitter, and at once when the browser says it is
** online again or the page loads. A 401 keeps the item and asks that
** person to log in. Any other 4xx is final: the item is marked refused
** with the server's words and never sent again; the person may remove it.
** A sent item keeps only a note (the recording itself is dropped).
*/
import { me, csrfToken } from './api.js';

const DB_NAME = 'tributary';
const DB_VERSION = 1;
const STORE = 'outbox';
const BASE_DELAY = 3000; /* ms before the first retry */
const MAX_DELAY = 5 * 60 * 1000;
const KEEP_SENT = 24 * 3600 * 1000; /* how long "sent" stays listed */

let dbp = null;

function openDb() {
	if (dbp === null) {
		dbp = new Promise((resolve, reject) => {
			const r = indexedDB.open(DB_NAME, DB_VERSION);
			r.onupgradeneeded = () => {
				const db = r.result;
				if (!db.objectStoreNames.contains(STORE))
					db.createObjectStore(STORE, { keyPath: 'key' });
			};
			r.onsuccess = () => {
				const db = r.result;
				/* another tab upgrading: let it */
				db.onversionchange = () => {
					db.close();
					dbp = null;
				};
				resolve(db);
			};
			r.onerror = () => reject(r.error);
			r.onblocked = () => reject(new Error('the outbox is held by another tab'));
		});
		dbp.catch(() => {
			dbp = null;
		});
	}
	return dbp;
}

async function tx(mode, fn) {
	const db = await openDb();
	return new Promise((resolve, reject) => {
		const t = db.transaction(STORE, mode);
		const store = t.objectStore(STORE);
		let out;
		Promise.resolve(fn(store)).then((v) => {
			out = v;
		}, reject);
		t.oncomplete = () => resolve(out);
		t.onerror = () => reject(t.error);
		t.onabort = () => reject(t.error || new Error('aborted'));
	});
}

const req = (r) => new Promise((resolve, reject) => {
	r.onsuccess = () => resolve(r.result);
	r.onerror = () => reject(r.error);
});

function getAll() {
	return tx('readonly', (s) => req(s.getAll()));
}

function getOne(key) {
	return tx('readonly', (s) => req(s.get(key)));
}

function put(item) {
	return tx('readwrite', (s) => req(s.put(item)));
}

function del(key) {
	return tx('readwrite', (s) => req(s.delete(key)));
}

/*
** Removes every item of account ${id} from this phone (its account was
** erased: nothing of it may stay). Resolves the number removed.
*/
export async function dropAccount(id) {
	const all = await getAll();
	let n = 0;
	for (const it of all)
		if (it.account === String(id)) {
			await del(it.key);
			n++;
		}
	return n;
}

/* The wait before try number ${n} (1 = the first retry): doubling, capped,
   and spread at random over its upper half so phones do not retry in step. */
export function backoff(n) {
	const base = Math.min(MAX_DELAY, BASE_DELAY * 2 ** Math.max(0, n - 1));
	return Math.round(base / 2 + Math.random() * base / 2);
}

/* Seconds from a Retry-After value (seconds or an HTTP date), or null. */
function retryAfter(v) {
	if (v === null || v === undefined || v === '')
		return null;
	const n = Number(v);
	if (Number.isFinite(n))
		return Math.max(0, n);
	const d = Date.parse(v);
	return Number.isNaN(d) ? null : Math.max(0, (d - Date.now()) / 1000);
}

/*
** One POST of ${item} with XMLHttpRequest (fetch cannot report upload
** progress). Resolves {status, body, headers}; status 0 is a network
** failure or a stalled upload.
*/
async function upload(url, item, token, onProgress) {
	/* the bytes, not the Blob: a stored Blob's file can vanish under us
	   (storage cleared), and this way a failure shows before the POST */
	const body = await item.blob.arrayBuffer();
	return new Promise((resolve) => {
		const x = new XMLHttpRequest();
		let last = Date.now();
		let watchdog = null;
		const done = (r) => {
			clearInterval(watchdog);
			resolve(r);
		};
		x.open('POST', url);
		x.setRequestHeader('Content-Type', item.type || 'audio/wav');
		x.setRequestHeader('Accept', 'application/json');
		x.setRequestHeader('Idempotency-Key', item.key);
		if (token)
			x.setRequestHeader('X-CSRF-Token', token);
		x.upload.onprogress = (ev) => {
			last = Date.now();
			onProgress(ev.loaded, ev.lengthComputable ? ev.total : item.size);
		};
		x.onprogress = () => {
			last = Date.now();
		};
		x.onload = () => {
			let body = null;
			try {
				body = JSON.parse(x.responseText);
			} catch {
				body = null;
			}
			done({ status: x.status, body, retryAfter: retryAfter(x.getResponseHeader('Retry-After')) });
		};
		x.onerror = x.onabort = x.ontimeout = () => done({ status: 0, body: null, retryAfter: null });
		/* A weak connection may stall without failing: give up on a
		   minute with no progress at all, and try again later. */
		watchdog = setInterval(() => {
			if (Date.now() - last > 60000)
				x.abort();
		}, 5000);
		x.send(body);
	});
}

/*
** The outbox of this page. Events (on the object): "change" (the list
** changed: read it again with list()), "progress" ({key, loaded, total}),
** "login" (an item waits for its person to log in), "sent" ({item}),
** "refused" ({item}).
*/
export class Outbox extends EventTarget {
	/* ${url}(item): where an item is POSTed. */
	constructor({ url }) {
		super();
		this.url = url;
		this.account = null; /* id of the account logged in, as far as we know */
		this.sending = null; /* key of the item on its way */
		this.progress = new Map(); /* key -> [loaded, total] */
		this.timer = null;
		this.running = false;
		this.again = false;
		this.dueNow = false; /* try everything waiting, whatever its time */
		this.needLogin = false;
	}

	emit(type, detail) {
		this.dispatchEvent(new CustomEvent(type, { detail }));
	}

	/* Every item on this phone, oldest first; sent notes past their day go. */
	async list() {
		const all = await getAll();
		const now = Date.now();
		const keep = [];
		for (const it of all) {
			if (it.state === 'sent' && now - (it.sentAt || 0) > KEEP_SENT)
				await del(it.key).catch(() => {});
			else
				keep.push(it);
		}
		return keep.sort((a, b) => a.created - b.created);
	}

	/* Queues a recording; ${item}: key, account, campaign, prompt, blob,
	   duration, and anything else to show (title). Sends at once. */
	async add(item) {
		const it = {
			type: 'audio/wav',
			created: Date.now(),
			attempts: 0,
			next: 0,
			problem: null,
			error: null,
			state: 'waiting',
			...item,
			size: item.blob.size,
		};
		await put(it);
		this.emit('change');
		this.kick();
		return it;
	}

	/* Removes an item (a refused one, or a sent note). */
	async remove(key) {
		if (this.sending === key)
			return false;
		await del(key);
		this.emit('change');
		return true;
	}

	/* Who is logged in now (null: nobody); their items may go. */
	setAccount(id) {
		this.account = id === null || id === undefined ? null : String(id);
		this.needLogin = false;
		this.kick({ now: true });
	}

	/* Starts: tries now, and again whenever the browser is back online
	   or the page is shown again. */
	start() {
		addEventListener('online', () => this.kick({ now: true }));
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'visible')
				this.kick({ now: true });
		});
		this.kick({ now: true });
	}

	/* Sends what is due; ${now}: everything waiting is due now. */
	kick({ now = false } = {}) {
		if (now)
			this.dueNow = true;
		if (this.running) {
			this.again = true;
			return;
		}
		this.running = true;
		this.run().catch((e) => console.warn('outbox:', e?.message || e)).finally(() => {
			this.running = false;
			if (this.again) {
				this.again = false;
				this.kick();
			}
		});
	}

	async run() {
		clearTimeout(this.timer);
		this.timer = null;
		if (this.account === null)
			return;
		/* One tab at a time sends (where the browser can tell us). */
		if (navigator.locks && typeof navigator.locks.request === 'function') {
			const got = await navigator.locks.request('tributary-outbox', { ifAvailable: true },
			    async (lock) => {
				    if (lock === null)
					    return false;
				    await this.sendDue();
				    return true;
			    });
			if (!got)
				this.schedule(5000);
			return;
		}
		await this.sendDue();
	}

	async sendDue() {
		const forceAll = this.dueNow;
		this.dueNow = false;
		let items = (await this.list()).filter((i) => i.state === 'waiting' && i.account === this.account);
		if (forceAll)
			for (const it of items)
				it.next = 0;
		let checked = false;
		for (;;) {
			const now = Date.now();
			const it = items.find((i) => i.next <= now);
			if (!it)
				break;
			items = items.filter((i) => i !== it);
			if (!checked) {
				/* Who is logged in, and a fresh CSRF token. */
				let who;
				try {
					who = await me({ fresh: true });
				} catch {
					await this.retryLater(it, { status: 0 });
					continue;
				}
				checked = true;
				if (who === null) {
					this.needLogin = true;
					await this.markLogin(it);
					this.emit('login');
					return;
				}
				if (String(who.account?.id) !== this.account) {
					this.account = String(who.account?.id);
					this.emit('change');
					return this.sendDue();
				}
			}
			const fresh = await getOne(it.key);
			if (!fresh || fresh.state !== 'waiting')
				continue;
			if (!(await this.sendOne(fresh)))
				break;
		}
		await this.scheduleNext();
	}

	/* Sends one item; false if sending should stop for now. */
	async sendOne(it) {
		this.sending = it.key;
		this.progress.set(it.key, [0, it.size]);
		this.emit('change');
		let r;
		try {
			r = await upload(this.url(it), it, csrfToken(), (loaded, total) => {
				this.progress.set(it.key, [loaded, total]);
				this.emit('progress', { key: it.key, loaded, total });
			});
			if (r.status === 403 && r.body?.error?.code === 'csrf') {
				/* our token was stale, not the item's fault: once more */
				await me({ fresh: true }).catch(() => null);
				r = await upload(this.url(it), it, csrfToken(), () => {});
			}
		} finally {
			this.sending = null;
			this.progress.delete(it.key);
		}
		const s = r.status;
		if (s >= 200 && s < 300) {
			const note = {
				...it,
				blob: null,
				state: 'sent',
				sentAt: Date.now(),
				problem: null,
				error: null,
				contribution: r.body?.contribution ?? r.body?.spoken ?? null,
			};
			await put(note);
			this.emit('sent', { item: note });
			this.emit('change');
			return true;
		}
		if (s === 401) {
			this.needLogin = true;
			await this.markLogin(it);
			this.emit('login');
			return false;
		}
		if (s === 0 || s === 408 || s === 429 || s >= 500 || (s === 403 && r.body?.error?.code === 'csrf')) {
			await this.retryLater(it, r);
			/* the network is down or the server busy: the rest waits too */
			return false;
		}
		/* Any other answer is final: the server will not take it. */
		const e = r.body?.error ?? {};
		const refused = {
			...it,
			state: 'refused',
			problem: null,
			error: {
				status: s,
				code: typeof e.code === 'string' ? e.code : `http_${s}`,
				message: typeof e.message === 'string' ? e.message : '',
			},
		};
		await put(refused);
		this.emit('refused', { item: refused });
		this.emit('change');
		return true;
	}

	async markLogin(it) {
		const cur = await getOne(it.key);
		if (cur && cur.state === 'waiting') {
			cur.problem = 'login';
			await put(cur);
		}
		this.emit('change');
	}

	async retryLater(it, r) {
		const cur = await getOne(it.key);
		if (!cur || cur.state !== 'waiting')
			return;
		cur.attempts = (cur.attempts || 0) + 1;
		let wait = backoff(cur.attempts);
		if (r.retryAfter !== null && r.retryAfter !== undefined)
			wait = Math.max(wait, r.retryAfter * 1000);
		cur.next = Date.now() + wait;
		cur.problem = r.status === 0 ? 'network' : 'server';
		cur.lastStatus = r.status;
		await put(cur);
		this.emit('change');
	}

	schedule(ms) {
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.kick(), Math.max(250, ms));
	}

	async scheduleNext() {
		if (this.needLogin)
			return;
		const items = (await this.list()).filter((i) => i.state === 'waiting' && i.account === this.account);
		if (items.length === 0)
			return;
		const next = Math.min(...items.map((i) => i.next || 0));
		this.schedule(next - Date.now());
	}
}
