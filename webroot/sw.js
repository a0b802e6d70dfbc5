/*
** The Service Worker: keeps on the phone the pages of a drive that come
** after the join page (consent, then the recorder), so that they open at
** once on a weak link, "Contribute" opens with no network, and recordings
** waiting in the outbox can be seen and sent later. The API (/api/) is
** never cached: it always goes to the server.
**
** What it keeps is what the person's drive needs, in their language, and
** no more: the pages of PAGES and what they load (their style sheet, their
** scripts and the scripts those import: FILES, listed by the build); after
** that, every shell file a page fetches while the worker runs (the catalog
** of the person's language among them). A first install keeps the first
** page's files only, so the worker answers the page the person opens next
** as soon as it can; the rest are fetched once it is active, when a page
** asks ('fill', sw-register.js). An update keeps them all before it
** replaces the copy there was, and fails, leaving that copy, if it cannot. A file the page that registered the
** worker already loaded is copied from the browser's own cache, costing no
** bytes on the link; only the rest is fetched. (Keeping every page and
** every language's catalog cost a first visit on a weak link 330 KB, twice
** what the visit itself needed.)
**
** All it keeps belongs to one build: the build adds to VERSION a hash of
** its pages and of every hashed name (ops/webroot.cmake), and the browser
** checks sw.js for a new one as pages are opened. So a kept file is
** answered from the copy without asking the node (on a 400 ms link each
** page opens a round trip sooner); a new build brings a new worker, which
** fills a new cache, and activate removes the old ones: an update arrives
** on the load after the browser saw it. A file not kept is fetched from
** the network and kept; when the network fails or is too slow (WAIT ms)
** an older copy answers if there is one.
**
** In the source tree (FILES empty: no build has listed the files or
** versioned the cache) the install finds what the pages load by reading
** them, and every file but a hashed one is fetched network first, so an
** edit shows on the next load.
*/
const VERSION = 'v2';
const PREFIX = 'tributary-shell-';
const CACHE = `${PREFIX}${VERSION}`;
const WAIT = 4000;

/* The pages kept, the one kept on install first: the drive's path after
** the join page that registers the worker. */
const PAGES = ['consent.html', 'contribute.html'];
/* What each of those pages loads, at any depth, by hashed names: filled by
** the build (ops/webroot.cmake), so the worker asks for them all at once;
** empty in the source tree. */
const FILES = {};
const BUILT = Object.keys(FILES).length > 0;

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

/* ${href}, a hashed file, from the browser's HTTP cache if it is there
** (no bytes on the link: the page that registered the worker just loaded
** it), else from the network; any other file from the network (asked with
** the browser's copy's ETag: the copy may be an older build's). */
async function copyOrFetch(href) {
	if (isHashed(new URL(href))) {
		try {
			const res = await fetch(new Request(href, { cache: 'only-if-cached', mode: 'same-origin' }));
			if (res.ok)
				return res;
		} catch {
			/* not in the HTTP cache */
		}
	}
	return fetch(new Request(href, { cache: 'no-cache' }));
}

/*
** Keeps ${pages} and what they load: in a built webroot, FILES' list for
** each, all at once; else found level by level by reading each page and
** script. One by one, so a file that is missing does not stop the rest; a
** file kept already is not asked for again. Resolves to how many could
** not be kept.
*/
async function keep(pages) {
	const cache = await caches.open(CACHE);
	const seen = new Set();
	let missed = 0;
	let next = pages.flatMap((p) => [p, ...(FILES[p] ?? [])]).map((p) => new URL(p, self.registration.scope).href);
	while (next.length > 0) {
		const level = next.filter((href) => !seen.has(href));
		next = [];
		for (const href of level)
			seen.add(href);
		const done = await Promise.allSettled(level.map(async (href) => {
			const had = await cache.match(href);
			const res = had ?? await copyOrFetch(href);
			if (!res.ok)
				throw new Error(`${href}: HTTP ${res.status}`);
			if (!BUILT && /\.(html|js)$/.test(new URL(href).pathname))
				next.push(...loads(await res.clone().text(), href));
			if (!had)
				await cache.put(href, res);
		}));
		missed += done.filter((d) => d.status === 'rejected').length;
	}
	return missed;
}

/*
** A first install keeps the first page only, so that the worker answers
** it as soon as it can; an update keeps them all before it takes the old
** copy's place. In a built webroot an install that could not keep every
** file fails: the browser keeps the worker (and the copy) it had, and
** tries again as the next page opens.
*/
self.addEventListener('install', (ev) => {
	ev.waitUntil((async () => {
		const update = (await caches.keys()).some((k) => k.startsWith(PREFIX) && k !== CACHE);
		const missed = await keep(update ? PAGES : PAGES.slice(0, 1));
		if (BUILT && missed > 0)
			throw new Error(`the offline copy lacks ${missed} files: not installed`);
		await self.skipWaiting();
	})());
});

/* The rest of PAGES, once, however many pages ask at once. */
let filling = null;
self.addEventListener('message', (ev) => {
	if (ev.data !== 'fill')
		return;
	if (filling === null)
		filling = keep(PAGES).finally(() => {
			filling = null;
		});
	ev.waitUntil(filling);
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

/* A file from the offline copy, else from the network. */
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
	ev.respondWith(BUILT || isHashed(url) ? cacheFirst(ev) : networkFirst(ev));
});
