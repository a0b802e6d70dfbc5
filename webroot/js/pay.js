/*
** Money and pay-ledger entries, as "My earnings", the treasurer's page and
** the contribute page show them. Amounts arrive in integer minor units
** (pesewas, dirams, cents) of an ISO 4217 currency; the number of minor
** units in one is the currency's exponent, which Intl knows (GHS 2, ISK
** 0). Entries are drawn with DOM nodes and textContent only.
*/
import { t, currentLang, formatTime } from './i18n.js';
import { el } from './page.js';

export const METHODS = ['mobile_money', 'bank', 'cash', 'other'];
/* The methods a payout must name its reference for (the server's rule). */
export const NEEDS_REFERENCE = ['mobile_money', 'bank'];
const KINDS = ['accrual', 'reversal', 'payout', 'royalty'];

function currencyFormat(currency, opts = {}) {
	return new Intl.NumberFormat(currentLang(), {
		style: 'currency', currency, currencyDisplay: 'code', ...opts,
	});
}

/* The ISO 4217 exponent of ${currency}: digits after the point (2 if
** the browser does not know it). */
export function exponent(currency) {
	try {
		return currencyFormat(currency).resolvedOptions().maximumFractionDigits;
	} catch {
		return 2;
	}
}

/*
** ${minor} minor units of ${currency} as money in the page's language
** ("GHS 0.56", "0,56 GHS"); ${sign} shows a + before gains. When the
** browser cannot format it, the API's ${text} (or the plain number) and
** the code.
*/
export function money(minor, currency, { text = null, sign = false } = {}) {
	const n = Number(minor);
	const d = exponent(currency);
	try {
		return currencyFormat(currency, {
			minimumFractionDigits: d,
			maximumFractionDigits: d,
			signDisplay: sign ? 'exceptZero' : 'auto',
		}).format(n / 10 ** d);
	} catch {
		const s = text ?? (n / 10 ** d).toFixed(d);
		return `${sign && n > 0 ? '+' : ''}${s} ${currency}`;
	}
}

/*
** What a person typed as an amount of ${currency} ("12.50", "12,5",
** "1 000"), as the API takes it: {text: "12.50", minor: 1250}; null if it
** is not money in that currency (too many decimals, not a number, zero).
*/
export function parseMoney(s, currency) {
	const d = exponent(currency);
	const v = String(s ?? '').trim().replace(/[\s\u00a0\u202f']/g, '').replace(',', '.');
	const m = /^(\d{1,15})(?:\.(\d*))?$/.exec(v);
	if (m === null)
		return null;
	const frac = (m[2] ?? '').replace(/0+$/, '');
	if (frac.length > d)
		return null;
	const minor = Number(m[1]) * 10 ** d + Number(frac.padEnd(d, '0') || '0');
	if (!Number.isSafeInteger(minor) || minor <= 0)
		return null;
	const whole = Math.floor(minor / 10 ** d);
	const text = d === 0 ? String(whole) : `${whole}.${String(minor % 10 ** d).padStart(d, '0')}`;
	return { text, minor };
}

/* The name of payout method ${m} in the page's language. */
export function methodName(m) {
	return METHODS.includes(m) ? t(`earnings.method_${m}`) : String(m ?? '');
}

/*
** The campaign's rate ({"currency","per_item","per_audio_second"}) in
** words, one whole sentence to translate: "Pays GHS 0.50 per accepted
** contribution, plus GHS 0.02 per second of recording."; null when it
** pays nothing.
*/
export function rateText(pay) {
	if (!pay || typeof pay.currency !== 'string')
		return null;
	const item = Number(pay.per_item ?? 0);
	const sec = Number(pay.per_audio_second ?? 0);
	const vars = { item: money(item, pay.currency), second: money(sec, pay.currency) };
	if (item > 0 && sec > 0)
		return t('contribute.pay_item_second', vars);
	if (item > 0)
		return t('contribute.pay_item', vars);
	if (sec > 0)
		return t('contribute.pay_second', vars);
	return null;
}

function fact(term, value) {
	return [el('dt', { text: term }), el('dd', {}, value)];
}

/*
** One ledger entry as a list item: what it is, the amount (+ or −), when,
** and where it came from: an accrual's or reversal's contribution (named
** by ${contribution}(id), which returns a node or a string), a
** reversal's reason, a payout's method, reference and note, a royalty's
** release; then the balance after it.
*/
export function entryItem(e, { contribution = (id) => t('earnings.contribution_no', { id }) } = {}) {
	const kind = KINDS.includes(e.kind) ? e.kind : 'accrual';
	const amount = Number(e.amount ?? 0);
	const facts = [...fact(t('earnings.when'), formatTime(e.at))];
	if ((kind === 'accrual' || kind === 'reversal') && e.contribution !== null && e.contribution !== undefined)
		facts.push(...fact(t('earnings.for'), contribution(e.contribution)));
	if (kind === 'reversal' && e.note)
		facts.push(...fact(t('earnings.reason'), String(e.note)));
	if (kind === 'payout') {
		facts.push(...fact(t('earnings.method'), methodName(e.method)));
		if (e.reference)
			facts.push(...fact(t('earnings.reference'),
			    el('span', { class: 'ledger-ref', text: String(e.reference) })));
	}
	if (kind === 'royalty' && e.release)
		facts.push(...fact(t('earnings.release'),
		    el('a', { href: 'releases.html', text: t('earnings.release_name', { version: e.release }) })));
	if (kind !== 'reversal' && e.note)
		facts.push(...fact(t('earnings.note'), String(e.note)));
	facts.push(...fact(t('earnings.balance_after'), money(e.balance, e.currency)));
	const headId = `entry-${e.id}`;
	return el('li', {
		class: 'card ledger-entry', 'data-entry': String(e.id), 'data-kind': kind,
	},
	    el('div', { class: 'consent-head' },
		el('h3', { id: headId, text: t(`earnings.kind_${kind}`) }),
		el('span', {
			class: `badge ${amount < 0 ? 'rejected' : 'validated'}`,
			'data-amount': String(amount),
			text: money(amount, e.currency, { text: e.text, sign: true }),
		})),
	    el('dl', { class: 'facts' }, ...facts));
}

/*
** A person's balance in one currency ({"currency","balance","accrued",
** "reversed","royalties","paid"}) as a card: the balance, then what made
** it, and a word when it is below zero.
*/
export function balanceCard(b) {
	const bal = Number(b.balance ?? 0);
	const card = el('div', { class: 'card ledger-balance', 'data-currency': String(b.currency) },
	    el('h3', { text: t('earnings.balance_in', { currency: b.currency }) }),
	    el('p', { class: 'lead', 'data-balance': String(bal), text: money(bal, b.currency, { text: b.text }) }),
	    el('dl', { class: 'facts' },
		...fact(t('earnings.accrued'), money(b.accrued ?? 0, b.currency)),
		...fact(t('earnings.reversed'), money(b.reversed ?? 0, b.currency)),
		...fact(t('earnings.royalties'), money(b.royalties ?? 0, b.currency)),
		...fact(t('earnings.paid'), money(b.paid ?? 0, b.currency))));
	if (bal < 0)
		card.append(el('p', { class: 'hint', text: t('earnings.negative') }));
	return card;
}
