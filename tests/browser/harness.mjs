/*
** What the browser tests share: the repo's paths, running the tributary
** binary, starting and stopping a node's server, the frame of a flow
** (runFlow), screenshots, and the checks every page must pass (no page
** errors, labelled controls, nothing wider than the 360 px screen).
*/
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(REPO, process.env.TRIBUTARY_BIN || 'build/test/tributary');
export const SHOTS = join(REPO, 'tests', 'out', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const VIEWPORT = { width: 360, height: 740 };
export const log = (...a) => console.log(`[browser] ${a.join(' ')}`);
/* The webroot the node serves by default: the one built beside the binary
   (content-hashed names, ops/webroot.cmake), else the source tree's. */
export const WEBROOT = existsSync(join(dirname(BIN), 'webroot', 'index.html'))
	? join(dirname(BIN), 'webroot') : join(REPO, 'webroot');

export function run(args) {
	try {
		return execFileSync(BIN, args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (e) {
		throw new Error(`tributary ${args.join(' ')} failed (exit ${e.status}):\n${e.stderr || ''}${e.stdout || ''}`);
	}
}

/*
** Starts the server; resolves with its base URL once it says it listens.
** ${opts.consentDir} replaces the repo's consent/ folder, ${opts.webroot}
** the built webroot (WEBROOT).
*/
export function serve(data, opts = {}) {
	const args = ['serve', '--data', data, '--port', '0',
	    '--consent-dir', opts.consentDir || join(REPO, 'consent'), '--webroot', opts.webroot || WEBROOT,
	    '--redact-dir', join(REPO, 'redact')];
	const child = spawn(BIN, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
	const srv = { child, stderr: '', stdout: '', exited: null };
	child.stderr.setEncoding('utf8');
	child.stdout.setEncoding('utf8');
	child.stderr.on('data', (d) => {
		srv.stderr += d;
		if (srv.stderr.length > 1 << 20)
			srv.stderr = srv.stderr.slice(-(1 << 19));
	});
	srv.ready = new Promise((res, rej) => {
		const timer = setTimeout(() => rej(new Error(`server did not say "listening on" within 60 s\n${srv.stdout}\n${srv.stderr}`)), 60000);
		child.stdout.on('data', (d) => {
			srv.stdout += d;
			const m = /listening on (http:\/\/[^\s]+)/.exec(srv.stdout);
			if (m) {
				clearTimeout(timer);
				res(m[1].replace(/\/$/, ''));
			}
		});
		child.on('exit', (code, sig) => {
			srv.exited = { code, sig };
			clearTimeout(timer);
			rej(new Error(`server exited (${code ?? sig}) before listening:\n${srv.stdout}\n${srv.stderr}`));
		});
	});
	srv.ready.catch(() => {});
	return srv;
}

export async function stop(srv) {
	if (!srv || srv.exited)
		return srv?.exited;
	const done = new Promise((res) => srv.child.once('exit', (code, sig) => res({ code, sig })));
	srv.child.kill('SIGTERM');
	const t = setTimeout(() => srv.child.kill('SIGKILL'), 15000);
	const r = await done;
	clearTimeout(t);
	return r;
}

/* The flags chromium runs with in every flow. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];

/*
** Runs one flow: checks that the binary and chromium are there, makes a
** temporary folder (${tmpPrefix}XXXXXX) and awaits ${body}(f), where f has
**   tmp, data   that folder, and the node's data folder in it (not made);
**   problems    where watch() puts page errors: it must stay empty;
**   step        what the flow is doing (the body sets it), named on failure;
**   serve(o)    starts the node's server (serve(data, o)), resolves its URL;
**   launch(a)   launches chromium with the common flags and ${a}, resolves
**               the browser.
** Then the server must stop cleanly on SIGTERM, and PASS is logged. On any
** failure it prints the step, the page problems and the tail of the
** server's stderr, and sets the exit code to 1. Always closes the browser
** and stops the server; removes the folder if the flow passed, else says
** where it is left. Resolves when all that is done.
*/
export async function runFlow(tmpPrefix, body) {
	assert.ok(existsSync(BIN), `no binary at ${BIN} (set TRIBUTARY_BIN)`);
	assert.ok(existsSync(CHROMIUM), `no chromium at ${CHROMIUM}: apt-get install chromium`);
	mkdirSync(SHOTS, { recursive: true });
	const tmp = mkdtempSync(join(tmpdir(), tmpPrefix));
	const t0 = Date.now();
	let srv = null;
	let browser = null;
	let ok = false;
	const f = {
		tmp,
		data: join(tmp, 'node'),
		problems: [],
		step: 'setup',
		serve(opts) {
			srv = serve(f.data, opts);
			return srv.ready;
		},
		async launch(args = []) {
			browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...args] });
			return browser;
		},
	};

	try {
		await body(f);
		assert.deepEqual(f.problems, [], 'no page errors and no CSP violations');
		f.step = 'stop';
		const ex = await stop(srv);
		srv = null;
		assert.ok(ex && (ex.code === 0 || ex.sig === 'SIGTERM'), `server exit after SIGTERM: ${JSON.stringify(ex)}`);
		ok = true;
		log(`PASS in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	} catch (e) {
		console.error(`[browser] FAIL at step "${f.step}": ${e.stack || e.message}`);
		if (f.problems.length)
			console.error(`[browser] page problems:\n  ${f.problems.join('\n  ')}`);
		if (srv)
			console.error(`[browser] server stderr (tail):\n${srv.stderr.split('\n').slice(-40).join('\n')}`);
		process.exitCode = 1;
	} finally {
		if (browser)
			await browser.close().catch(() => {});
		if (srv) {
			const ex = await stop(srv);
			if (ok === false && ex)
				console.error(`[browser] server exit: ${JSON.stringify(ex)}`);
		}
		if (ok)
			rmSync(tmp, { recursive: true, force: true });
		else
			console.error(`[browser] node left in ${tmp}`);
	}
}

/* ${name}.png is the screen as seen (scrolled to ${at}, else the top). */
export async function shot(page, name, at) {
	await page.evaluate(() => document.fonts.ready);
	if (at)
		await at.scrollIntoViewIfNeeded();
	else
		await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: join(SHOTS, `${name}.png`) });
	await page.screenshot({ path: join(SHOTS, `${name}-full.png`), fullPage: true });
}

/* Waits until the page's script has wired and filled it. */
export async function ready(page) {
	await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
}

/*
** A new page at 360 px (20 s timeouts, its problems watched into
** ${problems}), in the browser context ${opts.ctx}, else a new one in
** ${opts.locale} (default en-US). Resolves {ctx, page}.
*/
export async function newPage(browser, problems, { locale = 'en-US', ctx = null } = {}) {
	const c = ctx ?? await browser.newContext({ viewport: VIEWPORT, locale });
	const page = await c.newPage();
	page.setDefaultTimeout(20000);
	watch(page, problems);
	return { ctx: c, page };
}

/* Page errors and CSP violations fail the test; 4xx loads are expected. */
export function watch(page, problems) {
	page.on('pageerror', (e) => problems.push(`${page.url()}: page error: ${e.message}`));
	page.on('console', (m) => {
		const text = m.text();
		if (m.type() !== 'error' || /Failed to load resource/.test(text))
			return;
		problems.push(`${page.url()}: console error: ${text}`);
	});
}

/* Every visible form control has a label, and nothing is wider than 360 px. */
export async function checkPage(page) {
	const r = await page.evaluate(() => {
		const unlabelled = [...document.querySelectorAll('input, select, textarea')]
		    .filter((i) => i.type !== 'hidden' && i.offsetParent !== null && i.labels.length === 0 && !i.getAttribute('aria-label'))
		    .map((i) => i.id || i.name);
		return { unlabelled, scrollWidth: document.documentElement.scrollWidth };
	});
	assert.deepEqual(r.unlabelled, [], `${page.url()}: controls without a label`);
	assert.ok(r.scrollWidth <= VIEWPORT.width, `${page.url()}: page is ${r.scrollWidth} px wide, wider than the screen`);
}

/* Makes the node ${data} (`tributary init`); the one-time admin login
** code it prints. */
export function initNode(data) {
	const out = run(['init', '--data', data]);
	const code = /admin login code \(one use, 7 days\): (\S+)/.exec(out)?.[1];
	assert.ok(code, `tributary init printed no admin login code:\n${out}`);
	return code;
}

/* ${count} drive codes for ${campaign} from `tributary drive-codes`. */
export function driveCodes(data, campaign, count) {
	const out = run(['drive-codes', '--data', data, '--campaign', campaign, '--count', String(count)]);
	const codes = out.split('\n').map((l) => l.trim()).filter((l) => /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+$|^[A-Za-z0-9]{8,}$/.test(l));
	assert.equal(codes.length, count, `drive-codes printed ${codes.length} codes, wanted ${count}:\n${out}`);
	return codes;
}

/* Is the command ${name} on the PATH? */
export function hasTool(name) {
	try {
		execFileSync('sh', ['-c', `command -v "$1"`, 'sh', name], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

/*
** A request from inside the page, as its own scripts make it: same origin,
** the session cookie, and the CSRF token from /api/v1/me. Resolves
** {status, type, disposition, text}.
*/
export async function pageFetch(page, method, path, body, headers = {}) {
	return page.evaluate(async ({ method, path, body, headers }) => {
		const who = await fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' });
		const csrf = who.ok ? (await who.json()).csrf : null;
		const h = { Accept: 'application/json', ...headers };
		if (body !== undefined)
			h['Content-Type'] = 'application/json';
		if (csrf && method !== 'GET')
			h['X-CSRF-Token'] = csrf;
		const r = await fetch(path, {
			method,
			credentials: 'same-origin',
			cache: 'no-store',
			headers: h,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return {
			status: r.status,
			type: r.headers.get('Content-Type'),
			disposition: r.headers.get('Content-Disposition'),
			text: await r.text(),
		};
	}, { method, path, body, headers });
}
