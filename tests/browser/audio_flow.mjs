/*
** Browser test of recorded speech: record in the page through the fake
** microphone (a WAV made with espeak-ng, looped by chromium), listen, send,
** and find in the server's FLAC exactly the 16-bit samples the page sent;
** the outbox with no network (the page opens from the Service Worker,
** the recording is sent once when the network returns), a refusal (413)
** that is shown and never retried, a phone shared by two accounts, the
** spoken consent statement, and the plain words shown at an insecure
** (plain http, not localhost) address. Real server, real chromium.
**
**   TRIBUTARY_BIN=build/test/tributary node tests/browser/audio_flow.mjs
**
** Needs espeak-ng and flac (apt-get install espeak-ng flac). Screenshots
** (360x740) land in tests/out/screenshots/ as a*.png.
*/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
	REPO, log, run, shot, ready, checkPage, driveCodes, hasTool, pageFetch, newPage, runFlow,
} from './harness.mjs';

const PIN = '6142';
const PIN_B = '7051';
const SLUG = 'demo-audio';
const RATE = 16000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SPEECH = 'The river runs past our village. In the evening the children sing the harvest song by the water.';
const CAMPAIGN = join(REPO, 'tests', 'browser', 'audio-campaign.json');

const isPost = (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/contributions';

/* The parts of a WAV the page made: format fields and the sample bytes. */
function parseWav(buf) {
	assert.ok(buf.length >= 44, `a WAV of ${buf.length} bytes`);
	assert.equal(buf.toString('latin1', 0, 4), 'RIFF');
	assert.equal(buf.readUInt32LE(4), buf.length - 8, 'RIFF size');
	assert.equal(buf.toString('latin1', 8, 12), 'WAVE');
	assert.equal(buf.toString('latin1', 12, 16), 'fmt ');
	assert.equal(buf.readUInt32LE(16), 16, 'fmt chunk of 16 bytes');
	assert.equal(buf.readUInt16LE(20), 1, 'PCM');
	assert.equal(buf.readUInt16LE(22), 1, 'mono');
	const rate = buf.readUInt32LE(24);
	assert.equal(buf.readUInt32LE(28), rate * 2, 'byte rate');
	assert.equal(buf.readUInt16LE(32), 2, 'block align');
	assert.equal(buf.readUInt16LE(34), 16, '16-bit');
	assert.equal(buf.toString('latin1', 36, 40), 'data');
	assert.equal(buf.readUInt32LE(40), buf.length - 44, 'data size');
	return { rate, data: buf.subarray(44) };
}

/* Logs the page in with a card, as the join page does. */
async function cardLogin(page, base, card, pin) {
	const r = await page.request.post(`${base}/api/v1/login`, { data: { card, pin } });
	assert.ok([200, 201].includes(r.status()), `login with ${card}: ${r.status()} ${await r.text()}`);
	return (await r.json()).account;
}

/* Record about ${seconds} s through the page's recorder (ids ${p}-*). */
async function record(page, seconds, p = 'rec') {
	await page.locator(`#${p}-record`).click();
	await page.locator(`#${p}-stop`).waitFor();
	await page.waitForFunction(([id, s]) => {
		const m = /^(\d+):(\d\d)/.exec(document.getElementById(id)?.textContent ?? '');
		return m && Number(m[1]) * 60 + Number(m[2]) >= s;
	}, [`${p}-time`, seconds], { timeout: (seconds + 10) * 1000 });
	await page.locator(`#${p}-stop`).click();
	await page.locator(`#${p}-listen`).waitFor();
	/* the player knows the take's length: it can be listened to */
	const duration = await page.waitForFunction((id) => {
		const a = document.getElementById(id);
		return a && Number.isFinite(a.duration) && a.duration > 0 ? a.duration : false;
	}, `${p}-audio`).then((h) => h.jsonValue());
	return duration;
}

/* Opens the drive at ${base} logged out: the join page asks for the card,
** and its PIN opens the contribute page. */
async function logInWithCard(page, base, card) {
	await page.goto(`${base}/contribute.html?campaign=${SLUG}`);
	await page.waitForURL(/\/join\.html\?next=contribute&campaign=demo-audio/);
	await ready(page);
	await page.fill('#card', card);
	await page.fill('#pin', PIN);
	/* a card new to this phone asks for its PIN twice */
	if (await page.locator('#pin2').isVisible())
		await page.fill('#pin2', PIN);
	await page.getByRole('button', { name: 'Continue with my card' }).click();
	await page.waitForURL(/\/contribute\.html\?campaign=demo-audio/);
	await ready(page);
}

async function myContributions(page) {
	const r = await pageFetch(page, 'GET', '/api/v1/me/contributions');
	assert.equal(r.status, 200, `GET /api/v1/me/contributions: ${r.status} ${r.text}`);
	return JSON.parse(r.text).contributions;
}

for (const tool of ['espeak-ng', 'flac'])
	assert.ok(hasTool(tool), `no ${tool}: apt-get install espeak-ng flac`);
await runFlow('tributary-audio-', async (f) => {
	const { tmp, data, problems } = f;

	f.step = 'speech for the fake microphone';
	const speech = join(tmp, 'speech.wav');
	execFileSync('espeak-ng', ['-s', '150', '-w', speech, SPEECH]);

	/* the repo's consent documents, and a recorded reading of the current one */
	const consentDir = join(tmp, 'consent');
	cpSync(join(REPO, 'consent'), consentDir, { recursive: true });
	const current = Math.max(...readdirSync(join(consentDir, 'general')).filter((v) => /^[1-9][0-9]*$/.test(v)).map(Number));
	execFileSync('espeak-ng', ['-s', '160', '-w', join(consentDir, 'general', String(current), 'en.wav'),
	    'Consent for community speech and text collection. What we collect.']);

	f.step = 'init';
	run(['init', '--data', data]);
	f.step = 'campaign import';
	run(['campaign', 'import', '--data', data, CAMPAIGN]);
	const [card, cardB] = driveCodes(data, SLUG, 2);
	log(`drive codes ${card} ${cardB}`);

	f.step = 'serve';
	const base = await f.serve({ consentDir });
	const port = new URL(base).port;
	log(`server at ${base}`);

	const browser = await f.launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
	    `--use-file-for-fake-audio-capture=${speech}`,
	    '--autoplay-policy=no-user-gesture-required',
	    '--host-resolver-rules=MAP drive.test 127.0.0.1']);
	const { ctx, page } = await newPage(browser, problems);
	/* every POST /api/v1/contributions that reached the server */
	const answered = [];
	page.on('response', (r) => {
		if (isPost(r.request()))
			answered.push({ key: r.request().headers()['idempotency-key'], status: r.status(), at: Date.now() });
	});

	f.step = 'log in with the card';
	await logInWithCard(page, base, card);

	f.step = 'no recorder before consent';
	await page.locator('#no-consent', { hasText: 'Before you record' }).waitFor();
	assert.equal(await page.locator('#record-view').isVisible(), false);

	f.step = 'consent, with the reading if there is one';
	await page.locator('#no-consent').getByRole('link', { name: 'Read the consent' }).click();
	await page.waitForURL(/\/consent\.html\?campaign=demo-audio/);
	await ready(page);
	await page.locator('#scope-list input').first().waitFor();
	const doc = JSON.parse((await pageFetch(page, 'GET', '/api/v1/consent/general?lang=en')).text);
	assert.equal(typeof doc.reading, 'string', `the document names its reading: ${JSON.stringify(doc.reading)}`);
	await page.locator('#reading audio').waitFor();
	assert.equal(await page.locator('#reading-audio').getAttribute('src'), new URL(doc.reading, base).href);
	const readingLength = await page.evaluate(() => new Promise((resolve) => {
		const a = document.getElementById('reading-audio');
		a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
		a.addEventListener('error', () => resolve(-1), { once: true });
		a.preload = 'metadata';
		a.load();
	}));
	assert.ok(readingLength > 1, `the reading plays: duration ${readingLength}`);
	await checkPage(page);
	await shot(page, 'a00-consent-reading', page.locator('#doc'));
	/* in French there is no reading: no player */
	await page.selectOption('#lang', 'fr');
	await page.locator('#doc-title', { hasText: 'Consentement' }).waitFor();
	assert.equal(await page.locator('#reading').isVisible(), false, 'no player without a reading');
	await page.selectOption('#lang', 'en');
	await page.locator('#reading').waitFor();
	await page.getByLabel(/Publish my voice recordings/).check();
	await page.getByLabel(/I am 16 or older/).check();
	const [given] = await Promise.all([
		page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/consents'),
		page.getByRole('button', { name: 'Give my consent' }).click(),
	]);
	assert.equal(given.status(), 201, `POST /api/v1/consents: ${given.status()}`);
	const consentId = (await given.json()).consent.id;
	await page.locator('#done').waitFor();

	f.step = 'spoken statement';
	await page.locator('#spoken').waitFor();
	assert.match(await page.locator('#spoken').textContent(), /never published/);
	assert.equal(await page.locator('#spoken-send').isVisible(), false, 'nothing to send before recording');
	await record(page, 2, 'spoken-rec');
	await checkPage(page);
	await shot(page, 'a00-spoken-statement', page.locator('#spoken'));
	const [spReq, spResp] = await Promise.all([
		page.waitForRequest((r) => r.method() === 'POST' && /\/api\/v1\/consents\/[^/]+\/spoken$/.test(r.url())),
		page.waitForResponse((r) => /\/api\/v1\/consents\/[^/]+\/spoken$/.test(r.url())),
		page.locator('#spoken-send').click(),
	]);
	assert.equal(new URL(spReq.url()).pathname, `/api/v1/consents/${consentId}/spoken`);
	assert.equal(spReq.headers()['content-type'], 'audio/wav');
	assert.ok(spReq.headers()['x-csrf-token'], 'the spoken statement carries the CSRF token');
	const spText = await spResp.text();
	assert.equal(spResp.status(), 201, `POST spoken: ${spResp.status()} ${spText}`);
	const spoken = JSON.parse(spText).spoken;
	assert.match(spoken?.sha256 ?? '', /^[0-9a-f]{64}$/, `spoken answer ${spText}`);
	assert.ok(Math.abs(spoken.duration - 2) < 1.5, `spoken duration ${spoken.duration}`);
	await page.locator('#spoken-done p').waitFor();
	await shot(page, 'a01-spoken-sent', page.locator('#spoken'));

	f.step = 'PCM and WAV in the page';
	const unit = await page.evaluate(async () => {
		const m = await import('/js/recorder.js');
		const pcm = m.toPcm16(new Float32Array([0, 1, -1, 1.5, -1.5, 0.5, -0.5, 0.25, NaN, 1e-6]));
		const wav = new Uint8Array(await m.wavBlob(new Int16Array([1, -2, 32767]), 16000).arrayBuffer());
		return {
			pcm: [...pcm],
			wav: [...wav],
			silent: m.analyse(new Int16Array(16000)).silent,
			clipped: m.analyse(new Int16Array(16000).fill(32767)).clipping,
			speech: m.analyse(Int16Array.from({ length: 16000 }, (_, i) => Math.round(8000 * Math.sin(i / 5)))),
		};
	});
	assert.deepEqual(unit.pcm, [0, 32767, -32767, 32767, -32767, 16384, -16383, 8192, 0, 0], 'clamped and rounded');
	const tiny = Buffer.from(unit.wav);
	assert.equal(tiny.length, 50);
	assert.deepEqual([...parseWav(tiny).data], [1, 0, 0xfe, 0xff, 0xff, 0x7f], 'little-endian samples');
	assert.equal(unit.silent, true, 'silence is seen');
	assert.equal(unit.clipped, true, 'clipping is seen');
	assert.equal(unit.speech.silent || unit.speech.clipping, false, 'a clean tone is neither');

	f.step = 'the recorder';
	await page.locator('#done').getByRole('link', { name: 'Contribute now' }).click();
	await page.waitForURL(/\/contribute\.html\?campaign=demo-audio/);
	await ready(page);
	await page.locator('#record-view').waitFor();
	assert.match(await page.locator('#record-hint').textContent(), /1 to 15 seconds/);
	assert.equal(await page.locator('#send-audio').isVisible(), false, 'nothing to send before recording');
	assert.equal(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.active?.scriptURL)),
	    `${base}/sw.js`, 'the Service Worker is active');
	await checkPage(page);
	await shot(page, 'a02-recorder');

	f.step = 'record and listen';
	await page.locator('#rec-record').click();
	await page.locator('#rec-stop').waitFor();
	await page.waitForFunction(() => document.getElementById('rec-meter').value > 0.2);
	await page.waitForFunction(() => /^0:0[2-9]/.test(document.getElementById('rec-time').textContent));
	await checkPage(page);
	await shot(page, 'a03-recording');
	await page.waitForFunction(() => /^0:0[3-9]/.test(document.getElementById('rec-time').textContent));
	await page.locator('#rec-stop').click();
	await page.locator('#rec-listen').waitFor();
	const heard = await page.waitForFunction(() => {
		const a = document.getElementById('rec-audio');
		return Number.isFinite(a.duration) && a.duration > 0 ? a.duration : false;
	}).then((h) => h.jsonValue());
	assert.ok(heard > 2.5 && heard < 5, `the player's duration ${heard}`);
	assert.equal(await page.locator('#rec-warn').textContent(), '', 'no silence or clipping warning for speech');
	assert.equal(await page.locator('#send-audio').isEnabled(), true);
	await checkPage(page);
	await shot(page, 'a04-listen', page.locator('#rec-listen'));

	f.step = 'send';
	const [req, resp] = await Promise.all([
		page.waitForRequest(isPost),
		page.waitForResponse((r) => isPost(r.request())),
		page.locator('#send-audio').click(),
	]);
	const url = new URL(req.url());
	assert.equal(url.searchParams.get('campaign'), SLUG);
	const key = req.headers()['idempotency-key'];
	assert.match(key ?? '', UUID, `Idempotency-Key ${key}`);
	assert.equal(req.headers()['content-type'], 'audio/wav');
	assert.ok(req.headers()['x-csrf-token'], 'the POST carries the CSRF token');
	const sent = req.postDataBuffer();
	assert.ok(sent && sent.length > 44, 'the uploaded body is seen');
	const wav = parseWav(sent);
	assert.equal(wav.rate, RATE, 'the WAV is at the drive\'s rate');
	const seconds = wav.data.length / 2 / RATE;
	assert.ok(Math.abs(seconds - heard) < 0.01, `the WAV holds ${seconds} s, the player said ${heard}`);
	const respText = await resp.text();
	assert.equal(resp.status(), 201, `POST /api/v1/contributions: ${resp.status()} ${respText}`);
	const made = JSON.parse(respText).contribution;
	assert.equal(made.kind, 'audio');
	assert.equal(made.campaign, SLUG);
	assert.equal(made.audio?.sample_rate, RATE);
	/* the sentence shown to read is sent and kept with the recording */
	assert.ok(JSON.parse(readFileSync(CAMPAIGN, 'utf8')).prompts.includes(made.prompt),
	    `the stored prompt "${made.prompt}" is one of the drive's`);
	assert.match(url.searchParams.get('prompt_id') ?? '', /^[1-9][0-9]*$/, 'the prompt is sent by its id');
	assert.equal(url.searchParams.get('prompt'), null);
	assert.ok(Math.abs(made.audio.duration - seconds) < 0.01, `server duration ${made.audio.duration}, sent ${seconds}`);
	await page.locator(`#outbox-list li[data-key="${key}"][data-state="sent"]`).waitFor();
	await page.locator('#queued', { hasText: 'Your recording has arrived' }).waitFor();
	await checkPage(page);
	await shot(page, 'a05-sent');

	f.step = 'the stored FLAC holds exactly the samples sent';
	const audioUrl = made.audio.url || `/api/v1/contributions/${made.id}/audio`;
	const flac = await page.evaluate(async (u) => {
		const r = await fetch(u, { credentials: 'same-origin', cache: 'no-store' });
		const b = new Uint8Array(await r.arrayBuffer());
		let s = '';
		for (let i = 0; i < b.length; i += 0x8000)
			s += String.fromCharCode(...b.subarray(i, i + 0x8000));
		return { status: r.status, type: r.headers.get('Content-Type'), b64: btoa(s) };
	}, audioUrl);
	assert.equal(flac.status, 200, `GET ${audioUrl}: ${flac.status}`);
	assert.match(flac.type ?? '', /^audio\/flac/);
	const flacBuf = Buffer.from(flac.b64, 'base64');
	assert.equal(flacBuf.toString('latin1', 0, 4), 'fLaC');
	writeFileSync(join(tmp, 'got.flac'), flacBuf);
	execFileSync('flac', ['-s', '-d', '--force-raw-format', '--endian=little', '--sign=signed',
	    '-o', join(tmp, 'got.raw'), join(tmp, 'got.flac')]);
	const raw = readFileSync(join(tmp, 'got.raw'));
	assert.equal(raw.length, wav.data.length, `decoded ${raw.length} bytes of samples, sent ${wav.data.length}`);
	assert.ok(raw.equals(wav.data), 'the decoded samples are exactly the uploaded ones');
	const range = await page.evaluate(async (u) => {
		const r = await fetch(u, { headers: { Range: 'bytes=0-3' }, cache: 'no-store' });
		return { status: r.status, text: await r.text() };
	}, audioUrl);
	assert.equal(range.status, 206, `a Range request: ${range.status}`);
	assert.equal(range.text, 'fLaC');

	f.step = 'my contributions plays it';
	await page.goto(`${base}/contributions.html`);
	const player = page.locator(`[data-contribution="${made.id}"] audio`);
	await player.waitFor();
	assert.equal(await player.getAttribute('src'), audioUrl);
	const playable = await player.evaluate((a) => new Promise((res) => {
		a.addEventListener('loadedmetadata', () => res(a.duration), { once: true });
		a.addEventListener('error', () => res(-1), { once: true });
		a.preload = 'metadata';
		a.load();
	}));
	assert.ok(Math.abs(playable - made.audio.duration) < 0.1,
	    `the player reads the stored FLAC: ${playable} s, stored ${made.audio.duration} s`);
	await checkPage(page);
	await shot(page, 'a05-my-recording');
	await page.goto(`${base}/contribute.html?campaign=${SLUG}`);
	await ready(page);

	f.step = 'the same key again answers the same';
	const again = await page.evaluate(async ({ key, body, u }) => {
		const who = await (await fetch('/api/v1/me', { cache: 'no-store' })).json();
		const r = await fetch(u, {
			method: 'POST',
			headers: { 'Content-Type': 'audio/wav', 'Idempotency-Key': key, 'X-CSRF-Token': who.csrf },
			body: Uint8Array.from(atob(body), (c) => c.charCodeAt(0)),
		});
		return { status: r.status, text: await r.text() };
	}, { key, body: sent.toString('base64'), u: url.pathname + url.search });
	assert.equal(again.status, 200, `the same key and WAV again: ${again.status} ${again.text}`);
	assert.deepEqual(JSON.parse(again.text), JSON.parse(respText), 'a retry answers the same body');
	assert.equal((await myContributions(page)).length, 1, 'one contribution');

	f.step = 'offline: record and queue';
	await ctx.setOffline(true);
	await record(page, 3);
	const before = answered.length;
	await page.locator('#send-audio').click();
	const waiting = page.locator('#outbox-list li[data-state="waiting"]');
	await waiting.waitFor();
	const offKey = await waiting.getAttribute('data-key');
	assert.match(offKey, UUID);
	await waiting.locator('.outbox-why', { hasText: 'No connection' }).waitFor();
	await checkPage(page);
	await shot(page, 'a06-offline-waiting', page.locator('#outbox'));

	f.step = 'offline: reload opens from the Service Worker';
	await page.reload();
	await ready(page);
	assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true,
	    'the page is served by the Service Worker');
	await page.locator('#offline-note').waitFor();
	await page.locator('#record-view').waitFor();
	await page.locator(`#outbox-list li[data-key="${offKey}"][data-state="waiting"]`).waitFor();
	assert.equal(await page.locator('#page-error').textContent(), '', 'no error offline');
	await checkPage(page);
	await shot(page, 'a07-offline-reload');
	assert.equal(answered.filter((p) => p.key === offKey).length, 0, 'nothing reached the server offline');

	f.step = 'online: it arrives once';
	await ctx.setOffline(false);
	await page.locator(`#outbox-list li[data-key="${offKey}"][data-state="sent"]`).waitFor({ timeout: 30000 });
	assert.equal(await page.locator('#outbox-list li[data-state="waiting"]').count(), 0, 'nothing waits');
	const mine = await myContributions(page);
	assert.equal(mine.length, 2, `two contributions, not ${mine.length}`);
	assert.ok(answered.slice(before).every((p) => p.key === offKey), 'only that item was sent');
	await checkPage(page);
	await shot(page, 'a08-online-sent', page.locator('#outbox'));

	f.step = '413: a smaller limit while it waits';
	await ctx.setOffline(true);
	await record(page, 3);
	await page.locator('#send-audio').click();
	const big = page.locator('#outbox-list li[data-state="waiting"]');
	await big.waitFor();
	const bigKey = await big.getAttribute('data-key');
	const smaller = join(tmp, 'audio-campaign-small.json');
	/* max_bytes allows 8 bytes a sample (any WAV layout) plus 4 KiB:
	   half a second makes it smaller than 3 s of 16-bit mono */
	writeFileSync(smaller, JSON.stringify({
		...JSON.parse(readFileSync(CAMPAIGN, 'utf8')), min_seconds: 0.2, max_seconds: 0.5,
	}));
	run(['campaign', 'import', '--data', data, smaller]);
	const bigSize = Number(await big.getAttribute('data-size'));
	/* (from node: the page is offline) */
	const lowered = (await (await fetch(`${base}/api/v1/campaigns`)).json())
	    .campaigns.find((c) => c.slug === SLUG);
	assert.ok(lowered.max_bytes < bigSize, `max_bytes ${lowered.max_bytes} is now under the item's ${bigSize} bytes`);
	const [refusedResp] = await Promise.all([
		page.waitForResponse((r) => isPost(r.request()) && r.request().headers()['idempotency-key'] === bigKey),
		ctx.setOffline(false),
	]);
	const refusedText = await refusedResp.text();
	assert.equal(refusedResp.status(), 413, `POST over the new limit: ${refusedResp.status()} ${refusedText}`);
	const refusal = JSON.parse(refusedText).error;
	assert.equal(refusal.code, 'too_large');
	const refused = page.locator(`#outbox-list li[data-key="${bigKey}"][data-state="refused"]`);
	await refused.waitFor();
	assert.ok((await refused.locator('.outbox-error').textContent()).includes(refusal.message),
	    'the server\'s words are shown');
	await page.waitForTimeout(6000);
	assert.equal(answered.filter((p) => p.key === bigKey).length, 1, 'a refused item is never sent again');
	await checkPage(page);
	await shot(page, 'a09-refused', refused);
	await refused.getByRole('button', { name: 'Remove it from this phone' }).click();
	await refused.waitFor({ state: 'detached' });

	f.step = 'the recorder stops by itself at the drive\'s longest';
	await page.reload();
	await ready(page);
	await page.locator('#record-view').waitFor();
	await page.locator('#rec-record').click();
	await page.locator('#rec-stop').waitFor();
	/* nobody presses stop: the take appears on its own */
	await page.locator('#rec-listen').waitFor({ timeout: 15000 });
	const capped = await page.waitForFunction(() => {
		const a = document.getElementById('rec-audio');
		return a && Number.isFinite(a.duration) && a.duration > 0 ? a.duration : false;
	}).then((h) => h.jsonValue());
	assert.ok(capped > 0.4 && capped <= 0.55, `auto-stopped take lasts ${capped} s, the limit is 0.5 s`);
	run(['campaign', 'import', '--data', data, CAMPAIGN]);

	f.step = 'a shared phone: not logged in';
	await page.reload();
	await ready(page);
	await page.locator('#record-view').waitFor();
	await ctx.setOffline(true);
	await record(page, 2);
	await page.locator('#send-audio').click();
	const shared = page.locator('#outbox-list li[data-state="waiting"]');
	await shared.waitFor();
	const sharedKey = await shared.getAttribute('data-key');
	await ctx.clearCookies();
	await ctx.setOffline(false);
	await page.locator('#outbox-login').waitFor();
	await page.locator(`#outbox-list li[data-key="${sharedKey}"][data-state="waiting"]`).waitFor();
	await checkPage(page);
	await shot(page, 'a10-login-again', page.locator('#outbox'));

	f.step = 'a shared phone: another person logs in';
	await cardLogin(page, base, cardB, PIN_B);
	await page.reload();
	await ready(page);
	await page.locator('#outbox-others', { hasText: '1 recording on this phone belongs to another account' }).waitFor();
	assert.equal(await page.locator(`#outbox-list li[data-key="${sharedKey}"]`).count(), 0,
	    'another person\'s recording is not listed');
	await page.waitForTimeout(2000);
	assert.equal(answered.filter((p) => p.key === sharedKey).length, 0, 'nor sent under this login');
	await shot(page, 'a11-other-account');

	f.step = 'a shared phone: its person again, on a slow upload';
	await cardLogin(page, base, card, PIN);
	const cdp = await ctx.newCDPSession(page);
	await cdp.send('Network.enable');
	await cdp.send('Network.emulateNetworkConditions',
	    { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 24000 });
	await page.reload();
	await ready(page);
	const bar = page.locator(`#outbox-list li[data-key="${sharedKey}"][data-state="sending"] progress`);
	await bar.waitFor();
	await page.waitForFunction((k) => {
		const p = document.querySelector(`#outbox-list li[data-key="${k}"] progress`);
		return p && p.value > 0 && p.value < p.max;
	}, sharedKey);
	await checkPage(page);
	await shot(page, 'a12-sending', page.locator(`#outbox-list li[data-key="${sharedKey}"]`));
	await page.locator(`#outbox-list li[data-key="${sharedKey}"][data-state="sent"]`).waitFor({ timeout: 30000 });
	await cdp.send('Network.emulateNetworkConditions',
	    { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
	await cdp.detach();
	assert.equal((await myContributions(page)).length, 3, 'it arrived under its own account');
	assert.equal(answered.filter((p) => p.key === sharedKey).length, 1, 'sent once');

	f.step = 'French';
	await page.selectOption('#lang', 'fr');
	await page.locator('#rec-record', { hasText: 'Enregistrer' }).waitFor();
	await page.locator('#outbox-h', { hasText: 'Enregistrements sur ce téléphone' }).waitFor();
	await page.locator('#queued', { hasText: 'Votre enregistrement est bien arrivé' }).waitFor();
	await page.locator('#outbox-list .badge', { hasText: 'Envoyé' }).first().waitFor();
	await checkPage(page);
	await shot(page, 'a13-french');
	await page.selectOption('#lang', 'en');
	await ctx.close();

	f.step = 'an insecure address';
	const { ctx: ictx, page: ip } = await newPage(browser, problems);
	const ibase = `http://drive.test:${port}`;
	await logInWithCard(ip, ibase, card);
	await ip.locator('#insecure').waitFor();
	assert.equal(await ip.evaluate(() => window.isSecureContext), false);
	const words = await ip.locator('#insecure').textContent();
	assert.match(words, /secure address/);
	assert.ok(words.includes(ibase), `the explanation names the address: ${words}`);
	assert.match(words, /https:\/\//);
	assert.equal(await ip.locator('#record-view').isVisible(), false, 'no recorder that cannot work');
	await checkPage(ip);
	await shot(ip, 'a14-insecure');
	await ictx.close();
});
