#!/usr/bin/env node
// Runs every benchmark under bench/ in turn (each prints its figures and baseline ratio).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
let failed = 0;
for (const file of readdirSync(dir)
	.filter((f) => f.endsWith('.js') && f !== 'run.js')
	.sort()) {
	console.log(`\n## ${file}`);
	const r = spawnSync(process.execPath, [join(dir, file)], { stdio: 'inherit' });
	if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
