type Level = 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { info: 0, warn: 1, error: 2 };

/** `LOG_LEVEL=warn` (or `error`) keeps the lesser lines out, e.g. the per-request lines in tests. */
function threshold(): number {
	const given = process.env.LOG_LEVEL?.trim().toLowerCase();
	return given && given in RANK ? RANK[given as Level] : RANK.info;
}
const minimum = threshold();

/** Writes one structured JSON log line. */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
	if (RANK[level] < minimum) return;
	const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
	if (level === 'error') console.error(line);
	else console.log(line);
}
