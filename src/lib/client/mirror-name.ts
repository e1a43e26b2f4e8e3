/** The mirror's database name for an admin and an enterprise (R1: each enterprise apart). */
export function mirrorName(userID: string, enterpriseID: string): string {
	return `roster:${userID}:${enterpriseID}`;
}

/** The admin and enterprise of a mirror database, from its name (`roster:<userID>:<enterpriseID>`). */
export function parseMirrorName(name: string): { userID: string; enterpriseID: string } | null {
	const [prefix, userID, enterpriseID, ...rest] = name.split(':');
	if (prefix !== 'roster' || !userID || !enterpriseID || rest.length > 0) return null;
	return { userID, enterpriseID };
}
