import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dialects } from './support/databases';

const probe = fileURLToPath(new URL('./support/harden-probe.ts', import.meta.url));

describe('frozen prototypes (defence in depth for the built server)', () => {
	it('scim-patch cannot write through __proto__ or constructor.prototype once hardened, and the databases and ordinary overrides still work', () => {
		const run = spawnSync(process.execPath, ['--import', 'tsx', probe], {
			encoding: 'utf8',
			env: process.env,
			timeout: 120_000
		});
		expect(run.status, run.stderr).toBe(0);
		const seen = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
		expect(seen.hardened).toBe(true);
		expect(seen.attacks).toEqual({
			'name.__proto__.domain': 'refused',
			'name.constructor.prototype.domain': 'refused'
		});
		expect(seen.polluted).toBe(false);
		expect(seen.overrides).toEqual(['money', 'fn', 'mine', true]);
		const rows = [{ id: 'u1', email: 'a@b.test' }];
		expect(seen.databases).toEqual(Object.fromEntries(dialects.map((d) => [d, rows])));
	});
});
