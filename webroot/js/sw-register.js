/*
** Registers the Service Worker (/sw.js, scope /) that keeps the pages on
** the phone for use without a network, and once it is active asks it to
** keep the rest of the drive's pages (its install keeps the first only).
** Browsers only allow it on a secure (https) address; elsewhere the pages
** work as before, online only.
*/
export function registerServiceWorker() {
	if (!window.isSecureContext || !('serviceWorker' in navigator))
		return Promise.resolve(null);
	const url = new URL('../sw.js', import.meta.url);
	return navigator.serviceWorker.register(url, { scope: new URL('../', import.meta.url).pathname })
	    .then((reg) => {
		    navigator.serviceWorker.ready.then((r) => r.active?.postMessage('fill'));
		    return reg;
	    })
	    .catch((e) => {
		    /* no offline copy, nothing else lost */
		    console.warn('service worker:', e?.message || e);
		    return null;
	    });
}
