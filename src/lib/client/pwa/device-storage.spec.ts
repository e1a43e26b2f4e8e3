import { describe, expect, it } from 'vitest';
import { formatBytes } from './device-storage.svelte';

describe('formatBytes', () => {
	it('says sizes the way Settings shows them', () => {
		expect(formatBytes(0)).toBe('0 bytes');
		expect(formatBytes(999)).toBe('999 bytes');
		expect(formatBytes(12_345)).toBe('12.3 KB');
		expect(formatBytes(4_200_000)).toBe('4.2 MB');
		expect(formatBytes(250_000_000)).toBe('250 MB');
		expect(formatBytes(1_200_000_000_000)).toBe('1.2 TB');
	});
});
