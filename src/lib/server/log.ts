/** Writes one structured JSON log line. */
export function log(
	level: 'info' | 'warn' | 'error',
	msg: string,
	fields: Record<string, unknown> = {}
): void {
	const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
	if (level === 'error') console.error(line);
	else console.log(line);
}
