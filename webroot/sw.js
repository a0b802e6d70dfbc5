/*
** The Service Worker: keeps the pages' shell (HTML, scripts, styles and
** message catalogs) on the phone, so "Contribute" opens with no network
** and recordings waiting in the outbox can be seen and sent later. The
** API (/api/) is never cached: it always goes to the server.
**
** Shell files are fetched network first, so an update arrives on the next
** load when there is a connection; the cached copy answers when the
** network fails or is too slow (WAIT ms) on a weak connection, and the
** network answer still refreshes the cache for next time. A new VERSION
** makes a new cache; activate removes the old ones.
*/
const VERSION = 'v1';
const PREFIX = 'tributary-shell-';
const CACHE = `${PREFIX}${VERSION}`;
const WAIT = 4000;

const SHELL = [
	'./',
	'index.html',
	'join.html',
	'contribute.html',
	'contributions.html',
	'earnings.html',
	'consent.html',
	'consents.html',
	'review.html',
	'campaign.html',
	'releases.html',
	'css/app.css',
	'js/api.js',
	'js/campaign.js',
	'js/consent.js',
	'js/consents.js',
	'js/contribute.js',
	'js/contributions.js',
	'js/earnings.js',
	'js/i18n.js',
	'js/index.js',
	'js/join.js',
	'js/markdown.js',
	'js/page.js',
	'js/pay.js',
	'js/queue.js',
	'js/recorder.js',
	'js/recorder-worklet.js',
	'js/redaction.js',
	'js/releases.js',
	'js/review.js',
	'js/sw-register.js',
	'i18n/en.json',
	'i18n/fr.json',
	'i18n/ru.json',
	'i18n/is.json',
	'i18n/tg.json',
];

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

self.addEventListener('install', (ev) => {
	ev.waitUntil((async () => {
		const cache = await caches.open(CACHE);
		/* One by one: a page that is missing does not stop the rest. */
		await Promise.allSettled(SHELL.map(async (path) => {
			const req = new Request(new URL(path, self.registration.scope), { cache: 'no-cache' });
			const res = await fetch(req);
			if (res.ok)
				await cache.put(req, res);
		}));
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

async function refresh(req) {
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

self.addEventListener('fetch', (ev) => {
	const req = ev.request;
	if (req.method !== 'GET')
		return;
	const url = new URL(req.url);
	if (!isShell(url))
		return; /* the API and everything else: straight to the network */
	ev.respondWith(networkFirst(ev));
});
