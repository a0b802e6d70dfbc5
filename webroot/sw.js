/*
** The Service Worker: keeps on the phone what the contribute page needs,
** so "Contribute" opens with no network and recordings waiting in the
** outbox can be seen and sent later. The API (/api/) is never cached: it
** always goes to the server.
**
** What it keeps is what the person's drive needs, in their language, and
** no more: on install, the contribute page and what it loads (its style
** sheet, its scripts and the scripts they import, found by reading them);
** after that, every shell file a page fetches while the worker runs (the
** catalog of the person's language among them). A file the page that
** registered the worker already loaded is copied from the browser's own
** cache, costing no bytes on the link; only the rest is fetched. (Keeping
** every page and every language's catalog cost a first visit on a weak
** link 330 KB, twice what the visit itself needed.)
**
** A file named with its content's hash (the build's webroot names every
** script, style sheet and catalog so, ops/webroot.cmake) never changes: it
** is answered from the offline copy when it is there. Other shell files
** are fetched network first, so an update arrives on the next
** load when there is a connection; the cached copy answers when the
** network fails or is too slow (WAIT ms) on a weak connection, and the
** network answer still refreshes the cache for next time. A new VERSION
** (the build adds a hash of every hashed name to it) makes a new cache;
** activate removes the old ones.
*/
const VERSION = 'v2';
const PREFIX = 'tributary-shell-';
const CACHE = `${PREFIX}${VERSION}`;
const WAIT = 4000;

/* The pages kept on install, with everything they load. */
const PAGES = ['contribute.html'];

/* Is ${url} (same origin) part of the shell that may be cached? */
function isShell(url) {
	if (url.origin !== self.location.origin)
		return false;
	const p = url.pathname;
	if (p.startsWith('/api/') || p === '/sw.js')
		return false;
	return p === '/' || /\.html$/.test(p) ||
	    /^\/(js|css|i18n)\/[\w.-]+\.(js|css|json)$/.test(p);
}

/*
** What the page or script ${text}, at ${base}, loads from the shell:
** module scripts and style sheets (HTML), static imports and
** new URL('...', import.meta.url) (JavaScript). Catalogs are not among
** them: the language's is kept when a page asks for it.
*/
function loads(text, base) {
	const found = [];
	const add = (path) => {
		const url = new URL(path, base);
		url.search = '';
		url.hash = '';
		if (isShell(url))
			found.push(url.href);
	};
	for (const m of text.matchAll(/<script\b[^>]*\bsrc=["']([^"']+)["']/g))
		add(m[1]);
	for (const m of text.matchAll(/<link\b[^>]*>/g))
		if (/\brel=["']?(stylesheet|modulepreload)\b/.test(m[0]) && /\bhref=["']([^"']+)["']/.test(m[0]))
			add(/\bhref=["']([^"']+)["']/.exec(m[0])[1]);
	for (const m of text.matchAll(/\bimport\s*(?:[\w$*{}\s,]+\bfrom\s*)?["']([^"']+\.js)["']/g))
		add(m[1]);
	for (const m of text.matchAll(/\bnew\s+URL\(\s*["']([^"']+\.js)["']\s*,\s*import\.meta\.url\s*\)/g))
		add(m[1]);
	return found;
}

/* ${href} from the browser's HTTP cache if it is there (no bytes on the
** link: the page that registered the worker just loaded it), else from the
** network. */
async function copyOrFetch(href) {
	try {
		const res = await fetch(new Request(href, { cache: 'only-if-cached', mode: 'same-origin' }));
		if (res.ok)
			return res;
	} catch {
		/* not in the HTTP cache */
	}
	return fetch(new Request(href, { cache: 'no-cache' }));
}

self.addEventListener('install', (ev) => {
	ev.waitUntil((async () => {
		const cache = await caches.open(CACHE);
		const seen = new Set();
		let next = PAGES.map((p) => new URL(p, self.registration.scope).href);
		/* Level by level through what the pages load; one by one, so a
		** file that is missing does not stop the rest. */
		while (next.length > 0) {
			const level = next.filter((href) => !seen.has(href));
			next = [];
			for (const href of level)
				seen.add(href);
			await Promise.allSettled(level.map(async (href) => {
				const res = await copyOrFetch(href);
				if (!res.ok)
					return;
				if (/\.(html|js)$/.test(new URL(href).pathname))
					next.push(...loads(await res.clone().text(), href));
				await cache.put(href, res);
			}));
		}
		await self.skipWaiting();
	})());
});

self.addEventListener('activate', (ev) => {
	ev.waitUntil((async () => {
		for (const name of await caches.keys())
			if (name.startsWith(PREFIX) && name !== CACHE)
				await caches.delete(name);
		await self.clients.claim();
	})());
});

/* The cached answer for ${req}: the page without its query string. */
async function cached(req) {
	const cache = await caches.open(CACHE);
	return cache.match(req, { ignoreSearch: true, ignoreVary: true });
}

/*
** ${req} from the network, kept for next time. A page the offline copy
** holds is asked for with that copy's ETag, whatever its query string
** (the pages are the same files whatever it says, so the browser's own
** cache, keyed by the whole address, would fetch contribute.html?campaign=x
** whole when it holds contribute.html): a 304 answers with the copy.
*/
async function refresh(req) {
	const page = req.mode === 'navigate' || /(\/|\.html)$/.test(new URL(req.url).pathname);
	const copy = page ? await cached(req).catch(() => null) : null;
	const etag = copy ? copy.headers.get('ETag') : null;
	if (etag) {
		const res = await fetch(req.url, {
			credentials: 'same-origin', cache: 'no-store', headers: { 'If-None-Match': etag },
		});
		if (res.status === 304)
			return copy;
		if (!res.ok || res.redirected)
			return res;
		const keep = res.clone();
		const url = new URL(req.url);
		url.search = '';
		caches.open(CACHE).then((c) => c.put(url.href, keep)).catch(() => {});
		return res;
	}
	const res = await fetch(req);
	if (res.ok && res.type === 'basic') {
		const copy = res.clone();
		const url = new URL(req.url);
		url.search = '';
		caches.open(CACHE).then((c) => c.put(url.href, copy)).catch(() => {});
	}
	return res;
}

async function networkFirst(ev) {
	const req = ev.request;
	const net = refresh(req);
	ev.waitUntil(net.then(() => {}, () => {}));
	let timer;
	const slow = new Promise((resolve) => {
		timer = setTimeout(resolve, WAIT, 'slow');
	});
	try {
		const first = await Promise.race([net, slow]);
		if (first !== 'slow' && (first.ok || first.status === 304 || first.status === 404))
			return first;
		/* slow, or a server error: the copy on the phone if there is one */
		const copy = await cached(req);
		if (copy)
			return copy;
		return await net;
	} catch {
		const copy = await cached(req);
		return copy || Response.error();
	} finally {
		clearTimeout(timer);
	}
}

/* Does ${url} name a file by its content's hash (js/page.3f2a91c0d4.js)?
   Such a file never changes: the copy on the phone is the file. */
function isHashed(url) {
	return /\.[0-9a-f]{8,}\.(js|css|json)$/.test(url.pathname);
}

/* A hashed file from the offline copy, else as any shell file. */
async function cacheFirst(ev) {
	const copy = await cached(ev.request).catch(() => null);
	return copy || networkFirst(ev);
}

self.addEventListener('fetch', (ev) => {
	const req = ev.request;
	if (req.method !== 'GET')
		return;
	const url = new URL(req.url);
	if (!isShell(url))
		return; /* the API and everything else: straight to the network */
	ev.respondWith(isHashed(url) ? cacheFirst(ev) : networkFirst(ev));
});
