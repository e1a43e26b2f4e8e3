import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { request, type APIRequestContext } from '@playwright/test';

// A production server of the security tests' own (the build in build/), on a fresh SQLite or
// PostgreSQL database, for attacks that would spoil the shared e2e server or that need PostgreSQL.

const root = new URL('../../..', import.meta.url).pathname;

/** The PostgreSQL server tests may create databases on; unset means PostgreSQL tests skip. */
export const pgURL = process.env.TEST_DATABASE_URL?.trim() || undefined;

export interface Server {
	url: string;
	process: ChildProcess;
	/** An unauthenticated API context on the server. */
	api: APIRequestContext;
	/** Everything the process wrote to stdout and stderr so far. */
	output(): string;
	/** Adds an enterprise with `npm run seed` arguments (`--enterprise`, `--users`, …). */
	seed(args: string[]): void;
	/** An API context signed in as the given account (fails the test when sign-in fails). */
	signIn(email: string, password: string): Promise<APIRequestContext>;
	/** Runs SQL on the server's database (PostgreSQL only; SQLite: use `sqlite()`). */
	env: NodeJS.ProcessEnv;
	stop(): Promise<void>;
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

/** Runs one statement on the PostgreSQL server's maintenance database (create, drop). */
export async function pgAdmin(statement: string): Promise<void> {
	const client = new pg.Client({ connectionString: pgURL });
	await client.connect();
	try {
		await client.query(statement);
	} finally {
		await client.end();
	}
}

/**
 * Starts `node build/index.js` on a free port of 127.0.0.1 with its own empty database (no demo
 * unless `demo`), waits for /readyz. `database: 'postgres'` needs TEST_DATABASE_URL.
 */
export async function startServer({
	database = 'sqlite',
	demo = false,
	env: extra = {},
	nodeArgs = []
}: {
	database?: 'sqlite' | 'postgres';
	demo?: boolean;
	env?: NodeJS.ProcessEnv;
	nodeArgs?: string[];
} = {}): Promise<Server> {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PORT: String(port),
		ORIGIN: url,
		LOG_LEVEL: 'info',
		...(demo ? {} : { ROSTER_NO_DEMO: 'true' }),
		...extra
	};
	// A key given as undefined is unset (ORIGIN, say), not passed on as the text "undefined".
	for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
	let cleanup: () => Promise<void>;
	if (database === 'postgres') {
		if (!pgURL) throw new Error('TEST_DATABASE_URL is not set');
		const name = `roster_sec_${randomBytes(6).toString('hex')}`;
		await pgAdmin(`create database ${name}`);
		const dbURL = new URL(pgURL);
		dbURL.pathname = `/${name}`;
		env.DATABASE_URL = dbURL.toString();
		// PostgreSQL (several instances) needs a shared secret key.
		env.SECRET_KEY ??= `sec-test-key-${randomBytes(16).toString('hex')}`;
		delete env.DATA_DIR;
		cleanup = () => pgAdmin(`drop database if exists ${name} with (force)`);
	} else {
		const dir = mkdtempSync(join(tmpdir(), 'roster-sec-'));
		env.DATA_DIR = dir;
		delete env.DATABASE_URL;
		cleanup = async () => rmSync(dir, { recursive: true, force: true });
	}
	const child = spawn(process.execPath, [...nodeArgs, join(root, 'build/index.js')], {
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
	for (let i = 0; ; i++) {
		if (child.exitCode !== null) throw new Error(`server on ${port} exited:\n${output}`);
		try {
			if ((await fetch(`${url}/readyz`)).ok) break;
		} catch {
			// not listening yet
		}
		if (i > 900) throw new Error(`server on ${port} did not become ready:\n${output}`);
		await new Promise((r) => setTimeout(r, 100));
	}
	const api = await request.newContext({ baseURL: url });
	const contexts: APIRequestContext[] = [api];
	return {
		url,
		process: child,
		api,
		env,
		output: () => output,
		seed(args) {
			const r = spawnSync('npx', ['tsx', 'scripts/seed.ts', ...args], {
				cwd: root,
				env,
				encoding: 'utf8'
			});
			if (r.status !== 0) throw new Error(`seed ${args.join(' ')} failed:\n${r.stderr}`);
		},
		async signIn(email, password) {
			const ctx = await request.newContext({ baseURL: url });
			contexts.push(ctx);
			const res = await ctx.post('/api/auth/login', { data: { email, password } });
			if (res.status() !== 200) {
				throw new Error(`sign in as ${email}: ${res.status()} ${await res.text()}`);
			}
			return ctx;
		},
		async stop() {
			for (const ctx of contexts) await ctx.dispose();
			if (child.exitCode === null) child.kill('SIGTERM');
			await exited;
			await cleanup();
		}
	};
}
