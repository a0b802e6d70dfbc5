/*
** Browser test of the first visit on a weak link: a person at a drive
** scans the QR code on their printed card with a phone that has never
** seen the node, over a 400 kbps link with 400 ms of latency (Chrome
** DevTools Protocol network emulation, on the page and on the Service
** Worker it starts), chooses a PIN, gives consent and reaches a recorder
** whose Record button works; then visits again (the QR code, already
** logged in, Continue to the recorder). Every byte that crosses the wire is summed
** (headers included) from the DevTools Protocol's own events; the bytes
** before compression are summed beside them; and, as the truth the
** figures are held to, every byte the node sends the phone is counted at
** a proxy in front of it (the Service Worker's own script among them,
** which the browser fetches where the DevTools Protocol does not see
** it). Prints the figures of both
** visits and fails if either grows past its CEILING: the times are
** printed, never asserted (they depend on the machine).
**
** The QR code is read back from the card sheet `tributary drive-codes
** --cards` writes (its SVG modules decoded here), so the test opens the
** very address a phone would.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/firstvisit_flow.mjs
*/
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { REPO, WEBROOT, log, run, ready, newPage, runFlow } from './harness.mjs';

const PIN = '4827';
const SLUG = 'demo-audio';
const CAMPAIGN = join(REPO, 'tests', 'browser', 'audio-campaign.json');
/* The weak link of issue 18: 400 kbps each way, 400 ms round trip. */
const LINK = { offline: false, latency: 400, downloadThroughput: 50000, uploadThroughput: 50000 };
/*
** Bytes the node sends, headers included (counted at the proxy), from the
** QR code to the ready recorder, and until the offline copy is in place
** too; and of a repeat visit, the QR code again and Continue to the
** recorder. Just above what was measured, so that a page that grows fails
** here. With the pages of December 2026 (the Service Worker's install
** keeping the consent page as the person types their PIN, the drive's
** pages answered from it, what the next page needs handed to it, the
** error messages a part of the catalog of their own, the managers' styles
** a sheet of their own, no policy header on scripts and 304s): 59,598 to
** 59,792 B (58.2 to 58.4 KB) and 5.6 to 5.7 s for the first visit, 59,932
** B with the offline copy; 3,033 to 3,200 B and 2.5 to 3.1 s for a
** repeat visit. Before: 60.0 to 60.6 KB as the browser counts (63.6 KB at
** the proxy, the Service Worker's script among it) and 7.4 to 7.7 s; 92
** KB and 13.5 s before the build's hashed names; 680 KB before the node
** compressed. Issue 18's goals: 60 KB and 6 s, 5 KB.
*/
const CEILING_READY = 59 * 1024;
const CEILING_ALL = 59 * 1024;
const CEILING_AGAIN = 4 * 1024;

/* ---- reading a QR code from the card sheet's SVG ---- */

/* Error correction level M (the one cards.c asks libqrencode for):
** codewords of error correction per block, and blocks, by version. */
const ECC_M = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26];
const BLOCKS_M = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16];

/* The modules of the first QR code in ${html}: rows of booleans. */
function qrModules(html) {
	const m = /<svg class="qr" viewBox="-4 -4 (\d+) \d+"[^>]*>.*?<path[^>]* d="([^"]*)"/s.exec(html);
	assert.ok(m, 'the card sheet holds a QR code drawn as an SVG path');
	const size = Number(m[1]) - 8;
	const dark = Array.from({ length: size }, () => new Array(size).fill(false));
	for (const [, x, y] of m[2].matchAll(/M(\d+) (\d+)h1v1h-1z/g))
		dark[Number(y)][Number(x)] = true;
	return dark;
}

/* Which modules are the symbol's own patterns rather than data. */
function functionModules(size, ver) {
	const f = Array.from({ length: size }, () => new Array(size).fill(false));
	const box = (x0, y0, w, h) => {
		for (let y = Math.max(0, y0); y < Math.min(size, y0 + h); y++)
			for (let x = Math.max(0, x0); x < Math.min(size, x0 + w); x++)
				f[y][x] = true;
	};
	box(0, 0, 9, 9); /* finders, separators, format information */
	box(size - 8, 0, 8, 9);
	box(0, size - 8, 9, 8);
	box(6, 0, 1, size); /* timing */
	box(0, 6, size, 1);
	if (ver >= 2) {
		const n = Math.floor(ver / 7) + 2;
		const step = ver === 32 ? 26 : Math.ceil((ver * 4 + 4) / (n * 2 - 2)) * 2;
		const pos = [6];
		for (let p = size - 7; pos.length < n; p -= step)
			pos.splice(1, 0, p);
		for (let i = 0; i < n; i++)
			for (let j = 0; j < n; j++)
				if (!((i === 0 && j === 0) || (i === 0 && j === n - 1) || (i === n - 1 && j === 0)))
					box(pos[i] - 2, pos[j] - 2, 5, 5);
	}
	if (ver >= 7) {
		box(size - 11, 0, 3, 6);
		box(0, size - 11, 6, 3);
	}
	return f;
}

const MASKS = [
	(x, y) => (x + y) % 2 === 0,
	(x, y) => y % 2 === 0,
	(x) => x % 3 === 0,
	(x, y) => (x + y) % 3 === 0,
	(x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
	(x, y) => (x * y) % 2 + (x * y) % 3 === 0,
	(x, y) => ((x * y) % 2 + (x * y) % 3) % 2 === 0,
	(x, y) => ((x + y) % 2 + (x * y) % 3) % 2 === 0,
];

/*
** The text of a QR code from its ${dark} modules, read as a scanner would
** from a perfect image (no error correction needed: the symbol is drawn,
** not photographed). Byte, numeric and alphanumeric segments.
*/
function qrDecode(dark) {
	const size = dark.length;
	const ver = (size - 17) / 4;
	assert.ok(Number.isInteger(ver) && ver >= 1 && ver < ECC_M.length, `a QR code of ${size} modules`);
	let fmt = 0;
	const at = (x, y) => (dark[y][x] ? 1 : 0);
	for (let i = 0; i <= 5; i++)
		fmt |= at(8, i) << i;
	fmt |= at(8, 7) << 6 | at(8, 8) << 7 | at(7, 8) << 8;
	for (let i = 9; i < 15; i++)
		fmt |= at(14 - i, 8) << i;
	fmt ^= 0x5412;
	assert.equal(fmt >> 13, 0, 'error correction level M, as cards.c draws them');
	const mask = MASKS[(fmt >> 10) & 7];
	const func = functionModules(size, ver);
	const bits = [];
	for (let right = size - 1; right >= 1; right -= 2) {
		if (right === 6)
			right = 5;
		for (let v = 0; v < size; v++)
			for (let j = 0; j < 2; j++) {
				const x = right - j;
				const y = ((right + 1) & 2) === 0 ? size - 1 - v : v;
				if (!func[y][x])
					bits.push(dark[y][x] !== mask(x, y) ? 1 : 0);
			}
	}
	const raw = [];
	for (let i = 0; i + 8 <= bits.length; i += 8)
		raw.push(bits.slice(i, i + 8).reduce((a, b) => a << 1 | b, 0));
	/* the codewords are interleaved block by block: take them apart */
	const nb = BLOCKS_M[ver];
	const ecc = ECC_M[ver];
	const shortLen = Math.floor(raw.length / nb);
	const nshort = nb - raw.length % nb;
	const blocks = Array.from({ length: nb }, () => []);
	let k = 0;
	for (let i = 0; i <= shortLen - ecc; i++)
		for (let j = 0; j < nb; j++)
			if (i < shortLen - ecc || j >= nshort)
				blocks[j].push(raw[k++]);
	const data = blocks.flat();
	let p = 0;
	const take = (n) => {
		let v = 0;
		for (let i = 0; i < n; i++, p++)
			v = v << 1 | ((data[p >> 3] >> (7 - (p & 7))) & 1);
		return v;
	};
	const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
	const out = [];
	while (p + 4 <= data.length * 8) {
		const mode = take(4);
		if (mode === 0)
			break;
		const wide = ver >= 10;
		if (mode === 4) {
			for (let n = take(wide ? 16 : 8); n > 0; n--)
				out.push(take(8));
		} else if (mode === 1) {
			let n = take(wide ? 12 : 10);
			for (; n >= 3; n -= 3)
				out.push(...Buffer.from(String(take(10)).padStart(3, '0')));
			if (n > 0)
				out.push(...Buffer.from(String(take(n === 2 ? 7 : 4)).padStart(n, '0')));
		} else if (mode === 2) {
			let n = take(wide ? 11 : 9);
			for (; n >= 2; n -= 2) {
				const v = take(11);
				out.push(ALNUM.charCodeAt(Math.floor(v / 45)), ALNUM.charCodeAt(v % 45));
			}
			if (n === 1)
				out.push(ALNUM.charCodeAt(take(6)));
		} else {
			assert.fail(`QR segment mode ${mode} is not one this reader knows`);
		}
	}
	return Buffer.from(out).toString('utf8');
}

/* ---- counting what crosses the wire ---- */

/* The size of the webroot's file that answers ${url}, or null. */
function fileSize(url) {
	let p = decodeURIComponent(new URL(url).pathname);
	if (p.endsWith('/'))
		p += 'index.html';
	try {
		return statSync(join(WEBROOT, p)).size;
	} catch {
		return null;
	}
}

/*
** Counts, from a DevTools Protocol target's network events, the requests
** that went to the network and their bytes on the wire (headers and body
** as sent, compressed or not), and what they would have been without
** compression (a coded body counted as the file it codes). Answers a
** page's Service Worker gave are left to the worker's own count, so
** nothing is counted twice.
*/
class Meter {
	constructor() {
		this.reqs = new Map();
		this.done = [];
	}

	event(method, p) {
		const r = this.reqs.get(p.requestId);
		switch (method) {
		case 'Network.requestWillBeSent':
			if (/^(data|blob):/.test(p.request.url))
				return;
			/* a redirect reuses the id: the first hop is finished */
			if (r && p.redirectResponse) {
				r.wire = p.redirectResponse.encodedDataLength ?? 0;
				r.status = p.redirectResponse.status;
				r.end = Date.now();
				this.done.push(r);
			}
			this.reqs.set(p.requestId, { url: p.request.url, wire: 0, status: 0, sw: false, encoding: '', at: Date.now() });
			break;
		case 'Network.responseReceived': {
			if (!r)
				return;
			const h = Object.fromEntries(Object.entries(p.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
			r.status = p.response.status;
			r.sw = p.response.fromServiceWorker === true;
			r.encoding = h['content-encoding'] ?? '';
			r.length = Number(h['content-length'] ?? 0);
			break;
		}
		case 'Network.loadingFinished':
		case 'Network.loadingFailed':
			if (!r)
				return;
			r.wire = method === 'Network.loadingFinished' ? p.encodedDataLength : 0;
			r.end = Date.now();
			this.reqs.delete(p.requestId);
			if (!r.sw)
				this.done.push(r);
			break;
		default:
		}
	}

	/* Sums of what finished by ${until} (ms since the epoch). */
	total(until = Infinity) {
		const rs = this.done.filter((r) => r.end <= until);
		/* a coded body that crossed the wire (not a copy revalidated
		** from the cache, nor one taken from it) counts as its file */
		const plain = (r) => (r.encoding && r.wire > r.length && fileSize(r.url) !== null
		    ? r.wire - r.length + fileSize(r.url) : r.wire);
		return {
			requests: rs.length,
			wire: rs.reduce((a, r) => a + r.wire, 0),
			plain: rs.reduce((a, r) => a + plain(r), 0),
		};
	}
}

/*
** Emulates ${LINK} on the page behind ${cdp}, and on every worker it
** starts (the Service Worker's own fetches cross the same link), counting
** into ${meters}: {page, worker}. Workers are reached through the page's
** session (Target.sendMessageToTarget) so their events can be heard.
*/
async function weakLink(cdp, meters) {
	cdp.on('Network.requestWillBeSent', (p) => meters.page.event('Network.requestWillBeSent', p));
	for (const m of ['responseReceived', 'dataReceived', 'loadingFinished', 'loadingFailed'])
		cdp.on(`Network.${m}`, (p) => meters.page.event(`Network.${m}`, p));
	await cdp.send('Network.enable');
	await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
	await cdp.send('Network.emulateNetworkConditions', LINK);

	let id = 1;
	const toWorker = (sessionId, method, params = {}) => cdp.send('Target.sendMessageToTarget',
	    { sessionId, message: JSON.stringify({ id: id++, method, params }) });
	cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
		const msg = JSON.parse(message);
		if (msg.method)
			meters.worker.event(msg.method, msg.params);
	});
	cdp.on('Target.attachedToTarget', async ({ sessionId, targetInfo, waitingForDebugger }) => {
		meters.workers.push(targetInfo.type);
		try {
			await toWorker(sessionId, 'Network.enable');
			await toWorker(sessionId, 'Network.emulateNetworkConditions', LINK);
		} finally {
			if (waitingForDebugger)
				await toWorker(sessionId, 'Runtime.runIfWaitingForDebugger').catch(() => {});
		}
	});
	await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
}

/*
** A proxy on loopback in front of the node at ${base}: every byte the
** node sends back is counted, with when and for which request (the last
** request line the phone sent on that connection; browsers do not
** pipeline). Resolves { url, sent, close }: sent(until) sums the bytes,
** and the requests begun, by ${until} (ms since the epoch).
*/
async function countingProxy(base) {
	const target = new URL(base);
	const log = [];
	const socks = new Set();
	const srv = createServer((phone) => {
		const node = connect(Number(target.port), target.hostname);
		let path = null;
		socks.add(phone);
		socks.add(node);
		phone.unref();
		node.unref();
		phone.on('data', (d) => {
			const m = /^[A-Z]+ (\S+) HTTP\/1\.[01]\r\n/.exec(d.toString('latin1', 0, Math.min(d.length, 4096)));
			if (m) {
				path = m[1];
				log.push({ t: Date.now(), path, bytes: 0, start: true });
			}
		});
		node.on('data', (d) => log.push({ t: Date.now(), path, bytes: d.length, start: false }));
		phone.pipe(node);
		node.pipe(phone);
		const end = () => {
			phone.destroy();
			node.destroy();
			socks.delete(phone);
			socks.delete(node);
		};
		phone.on('error', end).on('close', end);
		node.on('error', end).on('close', end);
	});
	await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
	srv.unref(); /* a failing test still ends */
	return {
		count: () => log.length,
		url: `http://127.0.0.1:${srv.address().port}`,
		sent(from = 0, until = Infinity) {
			const rs = log.filter((r) => r.t >= from && r.t <= until);
			return {
				wire: rs.reduce((a, r) => a + r.bytes, 0),
				requests: rs.filter((r) => r.start).length,
				paths: rs.filter((r) => r.start).map((r) => r.path),
			};
		},
		close() {
			for (const s of socks)
				s.destroy();
			srv.close();
		},
	};
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

await runFlow('tributary-firstvisit-', async (f) => {
	const { tmp, data, problems } = f;

	f.step = 'init, the audio drive';
	run(['init', '--data', data]);
	run(['campaign', 'import', '--data', data, CAMPAIGN]);

	f.step = 'serve';
	const node = await f.serve();
	const proxy = await countingProxy(node);
	const base = proxy.url;
	log(`server at ${node}, the phone's way to it counted at ${base}`);

	f.step = 'a card sheet, and the address in its QR code';
	const sheet = join(tmp, 'cards.html');
	const out = run(['drive-codes', '--data', data, '--campaign', SLUG, '--count', '1', '--cards', sheet, '--url', base]);
	const code = out.split('\n').map((l) => l.trim()).find((l) => /^[A-Z0-9]{4}(-[A-Z0-9]{4})+$/.test(l));
	assert.ok(code, `drive-codes printed a code:\n${out}`);
	const url = qrDecode(qrModules(readFileSync(sheet, 'utf8')));
	log(`QR code: ${url}`);
	assert.ok(url.startsWith(`${base}/`), `the QR code leads to the node: ${url}`);
	assert.ok(url.includes(code), `the QR code carries the card ${code}: ${url}`);

	f.step = 'a phone that has never seen the node, on a weak link';
	const browser = await f.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
	const { page } = await newPage(browser, problems);
	page.setDefaultTimeout(60000);
	const cdp = await page.context().newCDPSession(page);
	const meters = { page: new Meter(), worker: new Meter(), workers: [] };
	await weakLink(cdp, meters);

	f.step = 'open the QR code';
	const t0 = Date.now();
	await page.goto(url);
	await ready(page);
	assert.equal(await page.locator('#card').inputValue(), code, 'the card code is filled in from the QR code');

	f.step = 'choose a PIN';
	/* every PIN box the card form shows (a first use may ask twice) */
	for (const box of await page.locator('#card-form input[type="password"]:visible').all())
		await box.fill(PIN);
	await page.locator('#card-form button[type="submit"]').click();
	await page.waitForURL(/\/(consent|contribute)\.html/);
	await ready(page);

	f.step = 'give consent';
	if (/\/contribute\.html/.test(page.url())) {
		await page.locator('#no-consent a[href*="consent.html"]').click();
		await page.waitForURL(/\/consent\.html/);
		await ready(page);
	}
	await page.locator('#scope-publish_voice').check();
	await page.locator('#age').check();
	await page.locator('#consent-form button[type="submit"]').click();
	await page.locator('#done').waitFor();

	f.step = 'the recorder';
	await page.locator('#contribute-now').click();
	await page.waitForURL(/\/contribute\.html/);
	await ready(page);
	await page.locator('#rec-record:enabled').waitFor();
	const tReady = Date.now();

	f.step = 'the offline copy';
	/* the Service Worker fills its cache in the background: wait for it,
	** then for the link to fall quiet */
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
	let quiet = Date.now();
	let seen = -1;
	while (Date.now() - quiet < 3000) {
		const n = meters.page.done.length + meters.worker.done.length + meters.page.reqs.size + meters.worker.reqs.size +
		    proxy.count();
		if (n !== seen) {
			seen = n;
			quiet = Date.now();
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	/* a request a page left behind as it moved on may never report its
	** end: its bytes, if any, are not counted */
	const open = [...meters.page.reqs.values(), ...meters.worker.reqs.values()].map((r) => new URL(r.url).pathname);
	if (open.length > 0)
		log(`never finished: ${open.join(' ')}`);

	const sum = (until) => {
		const a = meters.page.total(until);
		const b = meters.worker.total(until);
		return { requests: a.requests + b.requests, wire: a.wire + b.wire, plain: a.plain + b.plain };
	};
	assert.ok(meters.workers.includes('service_worker'), `the Service Worker was counted too: ${meters.workers}`);
	const waterfall = (from) => {
		for (const r of [...meters.page.done, ...meters.worker.done].sort((a, b) => a.at - b.at))
			log(`  ${((r.at - from) / 1000).toFixed(2).padStart(5)}-${((r.end - from) / 1000).toFixed(2).padStart(5)} s ${String(r.status).padStart(3)} ` +
			    `${String(r.wire).padStart(6)} B ${(r.encoding || '-').padEnd(4)} ` +
			    `${meters.worker.done.includes(r) ? 'sw ' : '   '}${new URL(r.url).pathname}${new URL(r.url).search}`);
	};
	/* the figures: what the node sent (the proxy's count, held to the
	** ceilings), beside what the browser counted and what that would
	** have been uncompressed; and the requests the browser did not show */
	const figures = (from, until) => {
		const node = proxy.sent(from, until);
		const seen = sum(until);
		const shown = new Set([...meters.page.done, ...meters.worker.done].filter((r) => r.end <= until)
		    .map((r) => { const u = new URL(r.url); return u.pathname + u.search; }));
		const unseen = node.paths.filter((p) => !shown.has(p));
		return {
			wire: node.wire,
			text: `${node.wire} B (${kb(node.wire)}) sent by the node in ${node.requests} requests; ` +
			    `the browser counted ${seen.wire} B, ${seen.plain} B (${kb(seen.plain)}) uncompressed, in ${seen.requests}` +
			    (unseen.length ? `; not shown to the browser's count: ${unseen.join(' ')}` : ''),
		};
	};
	waterfall(t0);
	const atReady = figures(t0, tReady);
	const all = figures(t0, Infinity);
	log(`first visit to a ready recorder: ${atReady.text}; ${((tReady - t0) / 1000).toFixed(1)} s`);
	log(`first visit with the offline copy: ${all.text}`);
	assert.ok(atReady.wire <= CEILING_READY,
	    `the first visit to a ready recorder took ${atReady.wire} B, over its ceiling of ${CEILING_READY} B`);
	assert.ok(all.wire <= CEILING_ALL,
	    `the first visit with its offline copy took ${all.wire} B, over its ceiling of ${CEILING_ALL} B`);

	f.step = 'a repeat visit: the QR code again, on to the recorder';
	/* the same phone later: the card's link again, already logged in,
	** and Continue to the recorder; only what crosses the wire from
	** here is counted */
	for (const m of [meters.page, meters.worker])
		m.done.length = 0;
	const t1 = Date.now();
	await page.goto(url);
	await ready(page);
	await page.locator('#logged-in').waitFor();
	const cont = page.locator('#continue-link');
	await page.waitForFunction(() => /contribute\.html/.test(document.getElementById('continue-link')?.getAttribute('href') ?? ''));
	await cont.click();
	await page.waitForURL(/\/contribute\.html/);
	await ready(page);
	await page.locator('#rec-record:enabled').waitFor();
	const tAgain = Date.now();
	waterfall(t1);
	const again = figures(t1, tAgain);
	log(`repeat visit to a ready recorder: ${again.text}; ${((tAgain - t1) / 1000).toFixed(1)} s`);
	assert.ok(again.wire <= CEILING_AGAIN,
	    `the repeat visit to a ready recorder took ${again.wire} B, over its ceiling of ${CEILING_AGAIN} B`);
	proxy.close();
});
