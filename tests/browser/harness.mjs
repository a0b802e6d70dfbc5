/*
** What the browser tests share: the repo's paths, running the tributary
** binary, starting and stopping a node's server, screenshots, and the
** checks every page must pass (no page errors, labelled controls, nothing
** wider than the 360 px screen).
*/
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(REPO, process.env.TRIBUTARY_BIN || 'build/test/tributary');
export const SHOTS = join(REPO, 'tests', 'out', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const VIEWPORT = { width: 360, height: 740 };
export const log = (...a) => console.log(`[browser] ${a.join(' ')}`);

export function run(args) {
	try {
		return execFileSync(BIN, args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (e) {
		throw new Error(`tributary ${args.join(' ')} failed (exit ${e.status}):\n${e.stderr || ''}${e.stdout || ''}`);
	}
}

/*
** Starts the server; resolves with its base URL once it says it listens.
** ${opts.consentDir} replaces the repo's consent/ folder.
*/
export function serve(data, opts = {}) {
	const args = ['serve', '--data', data, '--port', '0',
	    '--consent-dir', opts.consentDir || join(REPO, 'consent'), '--webroot', join(REPO, 'webroot'),
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
