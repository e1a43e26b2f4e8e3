/**
 * What this device keeps for Roster (the mirror, the outbox, the cached app) and whether the
 * browser may clear it under storage pressure, through the Storage API.
 */
export class DeviceStorage {
	/** Whether the browser has the Storage API at all. */
	supported = $state(false);
	/** true: kept until the admin clears it; false: best effort; null: not known yet. */
	persisted = $state<boolean | null>(null);
	/** Bytes used by this site, and the most it may use, as the browser estimates them. */
	usage = $state<number | null>(null);
	quota = $state<number | null>(null);
	/** The browser said no the last time the admin asked to keep the data. */
	refused = $state(false);
	asking = $state(false);

	/** Reads the current state. */
	async refresh(): Promise<void> {
		const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
		this.supported = Boolean(storage?.estimate);
		if (!storage) return;
		const [persisted, estimate] = await Promise.all([
			storage.persisted?.().catch(() => null) ?? null,
			storage.estimate?.().catch(() => null) ?? null
		]);
		this.persisted = persisted;
		this.usage = estimate?.usage ?? null;
		this.quota = estimate?.quota ?? null;
	}

	/** Asks the browser to keep Roster's data on this device ("Keep data on this device"). */
	async persist(): Promise<void> {
		if (!navigator.storage?.persist) return;
		this.asking = true;
		try {
			const granted = await navigator.storage.persist().catch(() => false);
			this.refused = !granted;
			await this.refresh();
		} finally {
			this.asking = false;
		}
	}
}

/** Bytes in words for people: `12.3 MB`. */
export function formatBytes(bytes: number): string {
	const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1000 && unit < units.length - 1) {
		value /= 1000;
		unit++;
	}
	const digits = unit === 0 || value >= 100 ? 0 : 1;
	return `${value.toFixed(digits)} ${units[unit]}`;
}
