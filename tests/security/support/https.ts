import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server';

// `node build` (Roster's own server entry, as `npm start` runs it) on an address and protocol of
// the test's choosing, with ORIGIN left as the test says: servers the shared e2e server (ORIGIN
// pinned to http://localhost) cannot stand in for.

const root = new URL('../../..', import.meta.url).pathname;

export interface Certificate {
	dir: string;
	ca: string;
	cert: string;
	key: string;
	/** base64 sha256 of the server certificate's public key, for Chromium's SPKI allow-list. */
	spki: string;
}

/** Runs `npm run cert -- --host …` into a fresh folder and returns the files it made. */
export function makeCertificate(hosts: string[]): Certificate {
	const dir = mkdtempSync(join(tmpdir(), 'roster-tls-'));
	const args = ['scripts/cert.js', '--dir', dir, ...hosts.flatMap((h) => ['--host', h])];
	const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`npm run cert failed:\n${r.stdout}\n${r.stderr}`);
	const cert = join(dir, 'cert.pem');
	const der = createPublicKey(readFileSync(cert)).export({ type: 'spki', format: 'der' });
	return {
		dir,
		ca: join(dir, 'ca.pem'),
		cert,
		key: join(dir, 'key.pem'),
		spki: createHash('sha256').update(der).digest('base64')
	};
}

export interface EntryServer {
	url: string;
	process: ChildProcess;
	output(): string;
	stop(): Promise<void>;
}

function probe(url: string, ca?: Buffer): Promise<boolean> {
	if (!url.startsWith('https:'))
		return fetch(url).then(
			(r) => r.ok,
			() => false
		);
	return new Promise((resolve) => {
		const req = https.get(url, { ca }, (res) => {
			res.resume();
			resolve(res.statusCode === 200);
		});
		req.on('error', () => resolve(false));
	});
}

/**
 * Starts `node build` on `host` (a loopback address), over HTTPS when `tls` is given, on the demo
 * database of its own; ORIGIN is unset unless `env` sets it. Waits for /readyz.
 */
export async function startEntry({
	host = '127.0.0.1',
	tls,
	env: extra = {}
}: { host?: string; tls?: Certificate; env?: NodeJS.ProcessEnv } = {}): Promise<EntryServer> {
	const port = await freePort();
	const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
	const dataDir = mkdtempSync(join(tmpdir(), 'roster-entry-'));
	const env: NodeJS.ProcessEnv = {
		...process.env,
		HOST: host,
		PORT: String(port),
		DATA_DIR: dataDir,
		BODY_SIZE_LIMIT: '6M',
		LOG_LEVEL: 'warn',
		...(tls ? { TLS_CERT: tls.cert, TLS_KEY: tls.key } : {}),
		...extra
	};
	delete env.DATABASE_URL;
	if (!('ORIGIN' in extra)) delete env.ORIGIN;
	const child = spawn(process.execPath, [join(root, 'build')], {
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
	const ca = tls ? readFileSync(tls.ca) : undefined;
	for (let i = 0; ; i++) {
		if (child.exitCode !== null) throw new Error(`server on ${url} exited:\n${output}`);
		if (await probe(`${url}/readyz`, ca)) break;
		if (i > 900) throw new Error(`server on ${url} did not become ready:\n${output}`);
		await new Promise((r) => setTimeout(r, 100));
	}
	return {
		url,
		process: child,
		output: () => output,
		async stop() {
			if (child.exitCode === null) child.kill('SIGTERM');
			await exited;
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
