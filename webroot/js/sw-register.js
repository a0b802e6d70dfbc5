/*
** Registers the Service Worker (/sw.js, scope /) that keeps the pages on
** the phone for use without a network. Browsers only allow it on a secure
** (https) address; elsewhere the pages work as before, online only.
*/
export function registerServiceWorker() {
	if (!window.isSecureContext || !('serviceWorker' in navigator))
		return Promise.resolve(null);
	const url = new URL('../sw.js', import.meta.url);
	return navigator.serviceWorker.register(url, { scope: new URL('../', import.meta.url).pathname })
	    .catch((e) => {
		    /* no offline copy, nothing else lost */
		    console.warn('service worker:', e?.message || e);
		    return null;
	    });
}
