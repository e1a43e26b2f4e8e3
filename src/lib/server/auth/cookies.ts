import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from './session';

/** Sets the session cookie: httpOnly, SameSite=Lax, Secure when served over https. */
export function setSessionCookie(
	cookies: Cookies,
	url: URL,
	secret: string,
	expiresAt: number
): void {
	cookies.set(SESSION_COOKIE, secret, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		expires: new Date(expiresAt)
	});
}

/** Removes the session cookie. */
export function clearSessionCookie(cookies: Cookies, url: URL): void {
	cookies.delete(SESSION_COOKIE, { path: '/', secure: url.protocol === 'https:' });
}
