import { resolve } from '$app/paths';

/** The address of a person's page in an enterprise's console; every list of people links to it. */
export function personHref(slug: string, userId: string): string {
	return resolve('/e/[slug]/people/[id]', { slug, id: userId });
}
