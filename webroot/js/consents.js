/*
** My consents: every consent this person gave, the document it was given
** on, and a Withdraw button (with a plain confirmation) for live ones.
*/
import { t, languageName, formatTime } from './i18n.js';
import { get, post, me, showError, clearError } from './api.js';
import { $, el, start, focusOn, scopeName } from './page.js';

let account = null;
let consents = [];
let open = null; /* id of the consent whose confirmation is showing */

function live(c) {
	return c.withdrawn_at === null || c.withdrawn_at === undefined;
}

function say(text) {
	const s = $('status');
	s.replaceChildren(el('p', { text }));
}

function fact(term, value) {
	return [el('dt', { text: term }), el('dd', {}, value)];
}

function confirmPanel(c, headingId) {
	const panel = el('div', {
		class: 'confirm',
		role: 'group',
		'aria-labelledby': `${headingId}-q`,
	});
	const err = el('div', { class: 'alert', role: 'alert' });
	const yes = el('button', { type: 'button', class: 'danger', text: t('consents.confirm_yes') });
	const no = el('button', { type: 'button', class: 'secondary', text: t('consents.confirm_no') });
	panel.append(
	    el('h3', { id: `${headingId}-q`, text: t('consents.confirm_title') }),
	    el('p', { text: t('consents.confirm_does') }),
	    el('ul', {},
		el('li', { text: t('consents.does_1') }),
		el('li', { text: t('consents.does_2') }),
		el('li', { text: t('consents.does_3') })),
	    el('p', { text: t('consents.confirm_doesnt') }),
	    el('ul', {},
		el('li', { text: t('consents.doesnt_1') }),
		el('li', { text: t('consents.doesnt_2') })),
	    err,
	    el('div', { class: 'buttons' }, yes, no));
	no.addEventListener('click', () => {
		open = null;
		render();
		focusOn(document.querySelector(`[data-withdraw="${CSS.escape(String(c.id))}"]`));
	});
	yes.addEventListener('click', async () => {
		clearError(err);
		yes.disabled = no.disabled = true;
		try {
			const r = await post(`/api/v1/consents/${encodeURIComponent(c.id)}/withdraw`);
			const w = r?.consent;
			c.withdrawn_at = w?.withdrawn_at ?? Math.floor(Date.now() / 1000);
			open = null;
			render();
			say(t('consents.withdrawn_ok', { title: c.campaign_title ?? c.campaign }));
			focusOn($(headingId));
		} catch (e) {
			showError(err, e);
			yes.disabled = no.disabled = false;
		}
	});
	return panel;
}

function item(c) {
	const headingId = `consent-${c.id}`;
	const isLive = live(c);
	const scopes = el('ul', {}, ...(c.scopes ?? []).map((s) => el('li', { text: scopeName(s) })));
	const docText = t('consents.document_value', {
		language: c.lang ? languageName(c.lang) : '—',
		version: c.version ?? '—',
	});
	const facts = el('dl', { class: 'facts' },
	    ...fact(t('consents.document'), docText),
	    ...fact(t('consents.scopes'), scopes),
	    ...fact(t('consents.given_at'), formatTime(c.given_at)),
	    ...fact(t('consents.withdrawn_at'), isLive ? t('consents.not_withdrawn') : formatTime(c.withdrawn_at)));
	const li = el('li', { class: 'card consent', 'data-consent': String(c.id) },
	    el('div', { class: 'consent-head' },
		el('h2', { id: headingId, lang: c.campaign_title_lang || c.campaign_language || null, text: c.campaign_title ?? c.campaign }),
		el('span', {
			class: `badge ${isLive ? 'live' : 'withdrawn'}`,
			text: isLive ? t('consents.live') : t('consents.withdrawn'),
		})),
	    facts);
	if (isLive) {
		if (open === c.id)
			li.append(confirmPanel(c, headingId));
		else {
			const b = el('button', {
				type: 'button',
				class: 'danger secondary',
				'data-withdraw': String(c.id),
				text: t('consents.withdraw'),
			});
			b.addEventListener('click', () => {
				open = c.id;
				$('status').replaceChildren();
				render();
				focusOn(document.getElementById(`${headingId}-q`));
			});
			li.append(el('div', { class: 'buttons' }, b));
		}
	}
	return li;
}

function render() {
	if (account === null)
		return;
	$('account-text').textContent = account.handle
	    ? t('consents.logged_in_as', { name: account.handle })
	    : t('consents.logged_in_card');
	$('empty').hidden = consents.length > 0;
	$('list').replaceChildren(...consents.map(item));
}

start(async () => {
	document.addEventListener('langchange', render);
	const who = await me();
	if (who === null) {
		$('logged-out').hidden = false;
		return;
	}
	account = who.account ?? {};
	const r = await get('/api/v1/me/consents');
	consents = Array.isArray(r?.consents) ? r.consents : [];
	consents.sort((a, b) => (b.given_at ?? 0) - (a.given_at ?? 0));
	$('signed-in').hidden = false;
	render();
});
