/*
** Join or log in: with the drive card's code and a PIN (the first use sets
** the PIN), or with a handle and a passphrase.
*/
import { t, nfc } from './i18n.js';
import { get, post, me, showError, showMessage, clearError, ApiError } from './api.js';
import { $, start, flash } from './page.js';

const params = new URLSearchParams(location.search);

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

/* Where to go once logged in. */
async function target() {
	const next = params.get('next');
	if (next !== null && Object.hasOwn(NEXT, next)) {
		const c = params.get('campaign');
		return Object.hasOwn(CAMPAIGN_PARAM, next) && c
		    ? `${NEXT[next]}?${CAMPAIGN_PARAM[next]}=${encodeURIComponent(c)}`
		    : NEXT[next];
	}
	let slug = params.get('campaign');
	if (!slug) {
		try {
			const r = await get('/api/v1/campaigns');
			slug = r?.campaigns?.[0]?.slug ?? null;
		} catch {
			slug = null;
		}
	}
	return slug ? `consent.html?campaign=${encodeURIComponent(slug)}` : 'consents.html';
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

async function done() {
	location.assign(await target());
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
	busy(form, true);
	try {
		const r = await post('/api/v1/login', { card: code, pin: p });
		if (r?.created === true)
			flash('join.pin_set');
		await done();
	} catch (e) {
		showError(box, e);
		if (e instanceof ApiError) {
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

start(async () => {
	$('card-form').addEventListener('submit', onCard);
	$('handle-form').addEventListener('submit', onHandle);
	$('show-pin').addEventListener('change', (e) => {
		$('pin').type = e.currentTarget.checked ? 'text' : 'password';
	});
	$('handle-form').addEventListener('click', (e) => {
		const b = e.target.closest('button');
		if (b)
			$('passphrase').autocomplete = b.value === 'join' ? 'new-password' : 'current-password';
	});
	document.addEventListener('langchange', renderLoggedIn);
	/* A printed card's QR code opens join.html?card=CODE. */
	if (params.get('card')) {
		$('card').value = params.get('card');
		$('pin').focus();
	}
	/* The buttons stay off until the handlers above are in place. */
	for (const b of document.querySelectorAll('form button'))
		b.disabled = false;

	const who = await me().catch(() => null);
	if (who?.account) {
		account = who.account;
		renderLoggedIn();
		$('continue-link').href = await target();
	}
});
