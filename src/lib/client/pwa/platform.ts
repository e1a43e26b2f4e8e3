/**
 * Whether the browser is Safari on an iPhone or iPad, where a web app is installed from the Share
 * menu ("Add to Home Screen") rather than through an install prompt. iPadOS reports itself as a
 * Mac, so a Mac with a touch screen counts too.
 */
export function isAppleMobile(nav: Navigator = navigator): boolean {
	const ua = nav.userAgent;
	return /iPad|iPhone|iPod/.test(ua) || (/Macintosh/.test(ua) && nav.maxTouchPoints > 1);
}
