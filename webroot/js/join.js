/*
** Join or log in: with the drive card's code and a PIN (the first use sets
** the PIN, so it is typed twice then), or with a handle and a passphrase.
** Then on to the person's drive: the one of their card, else a choice.
*/
import { t, nfc } from './i18n.js';
import { get, post, handOver, dropHanded, me, showError, showMessage, clearError, ApiError } from './api.js';
import { $, start, flash, pickDrive, consentHref } from './page.js';
import { registerServiceWorker } from './sw-register.js';

const params = new URLSearchParams(location.search);
/* The node's settings and drives, asked for as the page starts, beside
   the catalog and /me: each request after another costs a round trip on
   a weak link, and the drives are what a login goes on to. */
const settingsAnswer = get('/api/v1/settings');
const campaignsAnswer = get('/api/v1/campaigns');
let campaignsAt = 0; /* when they came */
campaignsAnswer.then(() => {
	campaignsAt = Date.now();
}, () => {});
settingsAnswer.catch(() => {}); /* both awaited below */
campaignsAnswer.catch(() => {});

/* Pages a ?next= may name (nothing else: no open redirect). */
const NEXT = {
	consents: 'consents.html',
	contributions: 'contributions.html',
	contribute: 'contribute.html',
	admin: 'admin.html',
	review: 'review.html',
	campaign: 'campaign.html',
	releases: 'releases.html',
	earnings: 'earnings.html',
	treasurer: 'treasurer.html',
};

/* The query a page of NEXT takes for ?campaign= (campaign.html names it slug). */
const CAMPAIGN_PARAM = { contribute: 'campaign', review: 'campaign', campaign: 'slug' };

/* Where to go once logged in (${answer}: the login's answer, if any). */
async function target(answer) {
	const next = params.get('next');
	if (next !== null && Object.hasOwn(NEXT, next)) {
		const c = params.get('campaign');
		return Object.hasOwn(CAMPAIGN_PARAM, next) && c
		    ? `${NEXT[next]}?${CAMPAIGN_PARAM[next]}=${encodeURIComponent(c)}`
		    : NEXT[next];
	}
	const slug = params.get('campaign');
	if (slug)
		return `consent.html?campaign=${encodeURIComponent(slug)}`;
	/* their card's drive, else the one they consented to, else a choice */
	const [campaigns, consents, who] = await Promise.all([
		campaignsAnswer.then((r) => r?.campaigns ?? [], () => []),
		/* a card's first use has no consents yet: nothing to ask */
		answer?.created === true ? Promise.resolve([])
		    : get('/api/v1/me/consents').then((r) => r?.consents ?? [], () => null),
		answer ? Promise.resolve(answer) : me().catch(() => null),
	]);
	const pick = pickDrive(who, campaigns, consents);
	if (!pick.one)
		return 'contribute.html';
	const s = encodeURIComponent(pick.one.slug);
	const live = (consents ?? []).some((x) => x.campaign === pick.one.slug &&
	    (x.withdrawn_at === null || x.withdrawn_at === undefined));
	return live ? `contribute.html?campaign=${s}` : consentHref(pick.one);
}

/* "abcd efgh-jklm" → "ABCD-EFGH-JKLM": upper case, groups of four. */
export function normalizeCard(s) {
	const bare = nfc(s).toUpperCase().replace(/[\s\-\u2010-\u2015\u2212_.]/g, '');
	return bare.match(/.{1,4}/g)?.join('-') ?? '';
}

function invalid(input, on) {
	if (on)
		input.setAttribute('aria-invalid', 'true');
	else
		input.removeAttribute('aria-invalid');
}

function busy(form, on) {
	for (const b of form.querySelectorAll('button'))
		b.disabled = on;
	form.setAttribute('aria-busy', on ? 'true' : 'false');
}

async function done(answer) {
	location.assign(await target(answer));
}

/* ---- cards this phone has seen: the PIN is typed twice only the first time ---- */

const SEEN = 'tributary.cards';

/* A short fingerprint of card ${code} (FNV-1a): enough to recognise it,
   not enough to rebuild it. */
function fingerprint(code) {
	let h = 0x811c9dc5;
	for (const ch of code.replace(/-/g, '')) {
		h ^= ch.charCodeAt(0);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h.toString(36);
}

function seenCards() {
	try {
		const a = JSON.parse(localStorage.getItem(SEEN) ?? '[]');
		return Array.isArray(a) ? a : [];
	} catch {
		return [];
	}
}

function markSeen(code) {
	const f = fingerprint(code);
	const a = seenCards().filter((x) => x !== f);
	a.push(f);
	try {
		localStorage.setItem(SEEN, JSON.stringify(a.slice(-50)));
	} catch {
		/* storage off: asked twice again next time */
	}
}

/* Shows the second PIN field unless the person has a PIN already. */
function renderPinKnown() {
	const known = $('pin-known').checked;
	$('pin2-field').hidden = known;
	$('pin2').required = !known;
	$('pin').autocomplete = known ? 'current-password' : 'new-password';
}

function onCardInput() {
	const code = normalizeCard($('card').value);
	if (code.replace(/-/g, '').length >= 8 && seenCards().includes(fingerprint(code))) {
		$('pin-known').checked = true;
		renderPinKnown();
	}
}

async function onCard(ev) {
	ev.preventDefault();
	const form = ev.currentTarget;
	const box = $('card-error');
	const card = $('card');
	const pin = $('pin');
	clearError(box);
	invalid(card, false);
	invalid(pin, false);

	const code = normalizeCard(card.value);
	const p = nfc(pin.value).trim();
	const pin2 = $('pin2');
	const twice = !$('pin-known').checked;
	invalid(pin2, false);
	if (code.replace(/-/g, '').length < 4) {
		showMessage(box, t('join.need_card'));
		invalid(card, true);
		card.focus();
		return;
	}
	if (!/^[0-9]{4,8}$/.test(p)) {
		showMessage(box, t('join.need_pin'));
		invalid(pin, true);
		pin.focus();
		return;
	}
	if (twice && nfc(pin2.value).trim() !== p) {
		showMessage(box, t(pin2.value === '' ? 'join.need_pin2' : 'join.pin_mismatch'));
		invalid(pin2, true);
		pin2.select();
		pin2.focus();
		return;
	}
	busy(form, true);
	try {
		const body = { card: code, pin: p };
		if (twice)
			body.pin_again = p; /* typed twice: a first use may set it */
		const r = await post('/api/v1/login', body);
		/* a new person: nothing of another's is handed on; the login's
		   answer is the next page's /me, and the drives this page has
		   (if they came within the minute) are its drives */
		dropHanded();
		handOver('/api/v1/me', r);
		await campaignsAnswer.then((c) => handOver('/api/v1/campaigns', c, campaignsAt), () => {});
		markSeen(code);
		if (r?.created === true)
			flash('join.pin_set');
		await done(r);
	} catch (e) {
		showError(box, e);
		if (e instanceof ApiError && e.code === 'pin_again') {
			/* a node that sets a PIN only when typed twice */
			$('pin-known').checked = false;
			renderPinKnown();
			showMessage(box, t('join.need_pin2'));
			invalid(pin2, true);
			pin2.focus();
		} else if (e instanceof ApiError) {
			if (e.code === 'wrong_credentials') {
				/* The card or the PIN: the server does not say which, so
				** that nobody learns which cards exist. */
				invalid(card, true);
				invalid(pin, true);
				pin.select();
				pin.focus();
			} else if (e.code === 'card_locked') {
				invalid(pin, true);
				pin.select();
				pin.focus();
			} else if (e.code === 'invalid') {
				invalid(card, true);
				card.focus();
			}
		}
		busy(form, false);
	}
}

async function onHandle(ev) {
	ev.preventDefault();
	const form = ev.currentTarget;
	const action = ev.submitter?.value === 'join' ? 'join' : 'login';
	const box = $('handle-error');
	const handle = $('handle');
	const pass = $('passphrase');
	clearError(box);
	invalid(handle, false);
	invalid(pass, false);

	const h = nfc(handle.value).trim().toLowerCase();
	const p = nfc(pass.value);
	if (!/^[a-z0-9._-]{3,32}$/.test(h)) {
		showMessage(box, t('join.bad_handle'));
		invalid(handle, true);
		handle.focus();
		return;
	}
	if (action === 'join' ? [...p].length < 10 : p === '') {
		showMessage(box, t(action === 'join' ? 'join.short_pass' : 'join.need_pass'));
		invalid(pass, true);
		pass.focus();
		return;
	}
	busy(form, true);
	try {
		if (action === 'join')
			await post('/api/v1/join', { handle: h, passphrase: p });
		else
			await post('/api/v1/login', { handle: h, passphrase: p });
		await done();
	} catch (e) {
		showError(box, e);
		if (e instanceof ApiError) {
			if (e.code === 'handle_taken') {
				invalid(handle, true);
				handle.focus();
			} else if (e.code === 'wrong_credentials') {
				invalid(pass, true);
				pass.select();
				pass.focus();
			}
		}
		busy(form, false);
	}
}

let account = null;

function renderLoggedIn() {
	if (account === null)
		return;
	const name = account.handle || t('join.card_account');
	$('logged-in-text').textContent = t('join.already', { name });
	$('logged-in').hidden = false;
}

/* The offline copy of the pages that follow fills while the person types
   their PIN, so the consent page and the recorder they reach are already
   on the phone, not asked for twice: asked for as the scripts start, not
   after the catalog. */
registerServiceWorker();

start(async () => {
	$('card-form').addEventListener('submit', onCard);
	$('handle-form').addEventListener('submit', onHandle);
	$('show-pin').addEventListener('change', (e) => {
		$('pin').type = $('pin2').type = e.currentTarget.checked ? 'text' : 'password';
	});
	$('pin-known').addEventListener('change', renderPinKnown);
	$('card').addEventListener('input', onCardInput);
	$('handle-form').addEventListener('click', (e) => {
		const b = e.target.closest('button');
		if (b)
			$('passphrase').autocomplete = b.value === 'join' ? 'new-password' : 'current-password';
	});
	document.addEventListener('langchange', renderLoggedIn);
	/* A printed card's QR code opens join.html?card=CODE. */
	if (params.get('card')) {
		$('card').value = params.get('card');
		onCardInput();
		$('pin').focus();
	}
	renderPinKnown();
	/* The buttons stay off until the handlers above are in place. */
	for (const b of document.querySelectorAll('form button'))
		b.disabled = false;
	/* A node of cards only takes no new accounts by name: log-in stays. */
	settingsAnswer.then((st) => {
		$('handle-form').querySelector('button[value=join]').hidden = st?.handle_signup === false;
	}, () => {});

	const who = await me().catch(() => null);
	if (who?.account) {
		account = who.account;
		renderLoggedIn();
		$('continue-link').href = await target();
	}
});
