/*
** The treasurer's page (issue 15, "Pages"), for the roles treasurer and
** admin. From GET /api/v1/ledger: the totals per currency (owed, debt,
** accrued, reversed, royalties, paid, accounts), the ledger's head, and
** the amounts due (every positive balance, with the payout method on
** file); the same list as a CSV to download (/api/v1/ledger/due.csv, the
** contacts left empty: only the treasurer's secret key opens them,
** offline). A payout made is recorded with one form (POST
** /api/v1/ledger/payouts): the person, the amount as money, the method,
** the reference and a note; a refusal is said in plain words (more than
** the balance, a reference already recorded, a payment to oneself, a
** missing reference). A person's name opens their entries (GET
** /api/v1/ledger/accounts/{id}, and ?account=ID in the address).
*/
import { t, currentLang } from './i18n.js';
import { get, post, me, showError, showMessage, clearError, ApiError, appendDetails } from './api.js';
import { $, el, start, focusOn } from './page.js';
import { METHODS, NEEDS_REFERENCE, money, parseMoney, methodName, balanceCard, entryItem } from './pay.js';

const TREASURERS = ['treasurer', 'admin'];
const TOTALS = ['owed', 'debt', 'accrued', 'reversed', 'royalties', 'paid', 'accounts'];

let ledger = null; /* GET /api/v1/ledger */
let person = null; /* {account, data, entries, next} on screen, or null */

function number(n) {
	try {
		return new Intl.NumberFormat(currentLang()).format(n);
	} catch {
		return String(n);
	}
}

function say(text) {
	$('status').replaceChildren(el('p', { text }));
}

const dueRows = () => (Array.isArray(ledger?.due) ? ledger.due : []);
const rowKey = (d) => `${d.account}:${d.currency}`;

/* The handle of account ${id}, from the amounts due; else its number. */
function whoIs(id) {
	const d = dueRows().find((x) => Number(x.account) === Number(id));
	return d ? d.handle : t('treasurer.account_no', { id });
}

/* ---- totals and head ---- */

function renderTotals() {
	const list = Array.isArray(ledger?.totals) ? ledger.totals : [];
	$('totals').replaceChildren(...list.map((c) => el('div', { class: 'card', 'data-currency': String(c.currency) },
	    el('h3', { text: c.currency }),
	    el('dl', { class: 'facts' }, ...TOTALS.flatMap((k) => {
		const v = Number(c[k] ?? 0);
		return [el('dt', { text: t(`treasurer.total_${k}`) }),
		    el('dd', {
			'data-stat': k, 'data-value': String(v), text: k === 'accounts' ? number(v) : money(v, c.currency),
		    })];
	})))));
	$('totals-none').hidden = list.length > 0;
	const h = ledger?.head ?? { id: 0, hash: '' };
	const p = $('head');
	p.dataset.id = String(h.id ?? 0);
	if (!h.id)
		p.replaceChildren(t('treasurer.head_empty'));
	else
		p.replaceChildren(t('treasurer.head', { id: h.id }), ' ',
		    el('code', { class: 'ledger-hash', text: String(h.hash) }));
}

/* ---- amounts due ---- */

function dueItem(d) {
	const id = `due-${d.account}-${d.currency}`;
	const link = el('a', {
		href: `treasurer.html?account=${encodeURIComponent(d.account)}`, 'data-person': String(d.account), text: d.handle,
	});
	const pay = el('button', {
		type: 'button', class: 'secondary', 'data-pay': rowKey(d), 'aria-describedby': id, text: t('treasurer.pay'),
	});
	return el('li', {
		class: 'card due', 'data-account': String(d.account), 'data-currency': String(d.currency),
		'data-method': d.method ?? '',
	},
	    el('div', { class: 'consent-head' },
		el('h3', { id }, link),
		el('span', {
			class: 'badge validated', 'data-balance': String(d.balance),
			text: money(d.balance, d.currency, { text: d.text }),
		})),
	    el('dl', { class: 'facts' },
		el('dt', { text: t('treasurer.method_on_file') }),
		el('dd', { class: 'due-method', text: d.method ? methodName(d.method) : t('treasurer.no_contact') })),
	    el('div', { class: 'buttons' }, pay));
}

function renderDue() {
	const rows = dueRows();
	$('due').replaceChildren(...rows.map(dueItem));
	$('due-none').hidden = rows.length > 0;
	const sel = $('po-who');
	const cur = sel.value;
	sel.replaceChildren(...rows.map((d) => el('option', { value: rowKey(d) },
	    t('treasurer.po_who_option', { handle: d.handle, amount: money(d.balance, d.currency, { text: d.text }) }))));
	if (rows.some((d) => rowKey(d) === cur))
		sel.value = cur;
	$('payout-sec').hidden = rows.length === 0;
	renderAmountHint();
}

function selectedRow() {
	return dueRows().find((d) => rowKey(d) === $('po-who').value) ?? null;
}

function renderAmountHint() {
	const d = selectedRow();
	$('po-amount-hint').textContent = d
	    ? t('treasurer.po_amount_hint', { due: money(d.balance, d.currency, { text: d.text }) })
	    : '';
}

/* The form set for paying ${d}: all that is due, by the method on file. */
function choose(d) {
	$('po-who').value = rowKey(d);
	$('po-amount').value = d.text;
	if (METHODS.includes(d.method))
		$('po-method').value = d.method;
	renderAmountHint();
	clearError($('po-error'));
}

function onDueClick(ev) {
	const pay = ev.target.closest('button[data-pay]');
	if (pay) {
		const d = dueRows().find((x) => rowKey(x) === pay.dataset.pay);
		if (d) {
			choose(d);
			focusOn($('po-amount'));
		}
		return;
	}
	const a = ev.target.closest('a[data-person]');
	if (a) {
		ev.preventDefault();
		openPerson(Number(a.dataset.person));
	}
}

/* ---- recording a payout ---- */

function invalid(input, box, text) {
	showMessage(box, text);
	input.setAttribute('aria-invalid', 'true');
	focusOn(input);
}

async function recordPayout(ev) {
	ev.preventDefault();
	const box = $('po-error');
	clearError(box);
	$('status').replaceChildren();
	for (const id of ['po-amount', 'po-reference'])
		$(id).removeAttribute('aria-invalid');
	const d = selectedRow();
	if (d === null)
		return;
	const amount = parseMoney($('po-amount').value, d.currency);
	if (amount === null) {
		invalid($('po-amount'), box, t('treasurer.err_amount', { example: money(1250, d.currency) }));
		return;
	}
	const method = $('po-method').value;
	const reference = $('po-reference').value.trim();
	const note = $('po-note').value.trim();
	const body = { account: Number(d.account), currency: d.currency, amount: amount.text, method };
	if (reference !== '')
		body.reference = reference;
	if (note !== '')
		body.note = note;
	$('po-save').disabled = true;
	try {
		const r = await post('/api/v1/ledger/payouts', body);
		const p = r?.payout ?? {};
		$('po-amount').value = '';
		$('po-reference').value = '';
		$('po-note').value = '';
		say(t('treasurer.recorded', {
			amount: money(amount.minor, d.currency),
			handle: d.handle,
			balance: money(p.balance ?? 0, d.currency, { text: p.balance_text ?? null }),
		}));
		await loadLedger();
		if (person !== null && person.account === Number(d.account))
			await openPerson(person.account, { focus: false });
		focusOn($('status'));
	} catch (e) {
		payoutError(box, e, d, amount, method, reference);
	} finally {
		$('po-save').disabled = false;
	}
}

/* A refused payout in plain words; the server's own follow as a detail. */
function payoutError(box, e, d, amount, method, reference) {
	if (!(e instanceof ApiError) || e.status === 0) {
		showError(box, e);
		return;
	}
	let text = null;
	let field = null;
	if (e.status === 409 && e.code === 'over_balance') {
		text = t('treasurer.err_more', { due: money(d.balance, d.currency, { text: d.text }) });
		field = $('po-amount');
	} else if (e.status === 409 && e.code === 'reference_used') {
		text = t('treasurer.err_reference_used', { reference });
		field = $('po-reference');
	} else if (e.status === 403)
		text = t('treasurer.err_self');
	else if (e.status === 404)
		text = t('treasurer.err_no_account');
	else if (e.status === 400 && NEEDS_REFERENCE.includes(method) && reference === '') {
		text = t('treasurer.err_reference_needed', { method: methodName(method) });
		field = $('po-reference');
	} else if (e.status === 400)
		text = t('treasurer.err_invalid');
	if (text === null) {
		showError(box, e);
		return;
	}
	box.replaceChildren(el('p', { text }));
	appendDetails(box, e);
	if (field !== null) {
		field.setAttribute('aria-invalid', 'true');
		focusOn(field);
	}
}

/* ---- one person's entries ---- */

function renderPerson() {
	const sec = $('person-sec');
	if (person === null) {
		sec.hidden = true;
		return;
	}
	const data = person.data;
	$('person-h').textContent = t('treasurer.person_title', { who: whoIs(person.account) });
	sec.dataset.account = String(person.account);
	const c = data?.contact ?? null;
	$('person-contact').textContent = c && c.method
	    ? t('treasurer.person_contact', { method: methodName(c.method) })
	    : t('treasurer.no_contact');
	$('person-balances').replaceChildren(...(data?.balances ?? []).map(balanceCard));
	$('person-entries').replaceChildren(...person.entries.map((e) => entryItem(e)));
	if (person.entries.length === 0)
		$('person-entries').append(el('li', { class: 'hint', text: t('earnings.entries_none') }));
	$('person-more').hidden = !(person.next > 0);
	sec.hidden = false;
}

async function openPerson(id, { focus = true } = {}) {
	clearError($('person-error'));
	try {
		const data = await get(`/api/v1/ledger/accounts/${encodeURIComponent(id)}`);
		person = { account: Number(id), data, entries: data?.entries ?? [], next: Number(data?.next ?? 0) };
		const u = new URL(location.href);
		u.searchParams.set('account', String(id));
		history.replaceState(history.state, '', u);
		renderPerson();
		if (focus)
			focusOn($('person-h'));
	} catch (e) {
		person = null;
		renderPerson();
		showError($('page-error'), e);
	}
}

async function morePerson() {
	const b = $('person-more');
	b.disabled = true;
	try {
		const r = await get(`/api/v1/ledger/accounts/${encodeURIComponent(person.account)}` +
		    `?before=${encodeURIComponent(person.next)}`);
		person.entries = person.entries.concat(r?.entries ?? []);
		person.next = Number(r?.next ?? 0);
		renderPerson();
	} catch (e) {
		showError($('person-error'), e);
	} finally {
		b.disabled = false;
	}
}

async function loadLedger() {
	ledger = await get('/api/v1/ledger');
	render();
}

function render() {
	if (ledger === null)
		return;
	renderTotals();
	renderDue();
	renderPerson();
}

start(async () => {
	const who = await me();
	if (who === null) {
		$('logged-out').hidden = false;
		return;
	}
	if (!TREASURERS.includes(who.account?.role)) {
		$('not-allowed').hidden = false;
		return;
	}
	document.addEventListener('langchange', render);
	$('due').addEventListener('click', onDueClick);
	$('po-who').addEventListener('change', () => {
		const d = selectedRow();
		if (d)
			choose(d);
	});
	$('payout-form').addEventListener('submit', recordPayout);
	$('person-more').addEventListener('click', morePerson);
	await loadLedger();
	const first = dueRows()[0];
	if (first)
		choose(first);
	$('treasurer-view').hidden = false;
	const acct = Number(new URLSearchParams(location.search).get('account'));
	if (Number.isSafeInteger(acct) && acct > 0)
		await openPerson(acct, { focus: false });
});
