import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort, pgAdmin as admin } from '../security/support/server';

// The "Behind a proxy" configuration of docs/operations.md, run as written: nginx from Debian
// terminating TLS in front of two production instances over one PostgreSQL database, with that
// section's nginx.conf and environment (ports and certificate substituted). Clients reach nginx as
// roster.test.
const NGINX = '/usr/sbin/nginx';
const pgURL = process.env.TEST_DATABASE_URL?.trim();
const root = new URL('../..', import.meta.url).pathname;
const OWNER = { email: 'owner@acme.test', password: 'roster-demo' };

test.describe.configure({ mode: 'serial' });
test.skip(!existsSync(NGINX), `${NGINX} is missing: the proxy test needs nginx from Debian`);
test.skip(!pgURL, 'TEST_DATABASE_URL is not set: the proxy test needs a PostgreSQL server');

interface Instance {
	port: number;
	process: ChildProcess;
	exited: Promise<number | null>;
	output(): string;
}

let dbName = '';
let dbURL = '';
let dir = '';
let nginxPort = 0;
let nginxStarted = false;
let origin = '';
let cookieHeader = '';
let enterpriseID = '';
const instances: Instance[] = [];

/** The nginx.conf of docs/operations.md ("Behind a proxy"), its listen port and upstreams replaced. */
function nginxConf(listen: number, upstreams: number[]): string {
	return `worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log warn;

events {
    worker_connections 1024;
}

http {
    access_log logs/access.log;

    upstream roster {
${upstreams.map((port) => `        server 127.0.0.1:${port};`).join('\n')}
        keepalive 16;
    }

    server {
        listen ${listen} ssl http2;
        server_name roster.test;

        ssl_certificate     roster.test.crt;
        ssl_certificate_key roster.test.key;

        client_max_body_size 6m;

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;

        location / {
            proxy_pass http://roster;
        }

        location = /api/sync/poke {
            proxy_pass http://roster;
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 1h;
        }
    }
}
`;
}

async function startInstance(port: number, demo: boolean): Promise<Instance> {
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		DATABASE_URL: dbURL,
		// Shared by the instances, as PostgreSQL requires.
		SECRET_KEY: 'proxy-test-secret-key-0123456789abcdef',
		ORIGIN: origin,
		PROTOCOL_HEADER: 'x-forwarded-proto',
		ADDRESS_HEADER: 'x-forwarded-for',
		XFF_DEPTH: '1',
		BODY_SIZE_LIMIT: '6M',
		INGEST_KEY: randomBytes(16).toString('hex'),
		// The test counts the per-request log lines of each instance.
		LOG_LEVEL: 'info'
	};
	delete env.DATA_DIR;
	delete env.HOST_HEADER;
	if (demo) delete env.ROSTER_NO_DEMO;
	else env.ROSTER_NO_DEMO = 'true';
	const child = spawn(process.execPath, [join(root, 'build/index.js')], {
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	for (let i = 0; ; i++) {
		if (child.exitCode !== null) throw new Error(`instance on ${port} exited:\n${output}`);
		try {
			if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
		} catch {
			// not listening yet
		}
		if (i > 600) throw new Error(`instance on ${port} did not become ready:\n${output}`);
		await new Promise((r) => setTimeout(r, 100));
	}
	return { port, process: child, exited, output: () => output };
}

interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}

/**
 * A request to nginx as https://roster.test:<port> (SNI and Host), connecting to 127.0.0.1 from
 * `from` (a loopback address, so the proxy sees different clients).
 */
function proxied(
	path: string,
	options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}
): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const req = httpsRequest({
			host: '127.0.0.1',
			port: nginxPort,
			servername: 'roster.test',
			rejectUnauthorized: false,
			localAddress: options.from ?? '127.0.0.1',
			method: options.method ?? 'GET',
			path,
			headers: {
				host: `roster.test:${nginxPort}`,
				...(options.body !== undefined
					? { 'content-length': String(Buffer.byteLength(options.body)) }
					: {}),
				...options.headers
			}
		});
		req.on('response', (res) => {
			let body = '';
			res.on('data', (chunk: Buffer) => (body += chunk.toString()));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
		});
		req.on('error', reject);
		req.end(options.body);
	});
}

function signIn(password: string, from: string, forwardedFor?: string) {
	return proxied('/api/auth/login', {
		method: 'POST',
		from,
		headers: {
			'content-type': 'application/json',
			...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {})
		},
		body: JSON.stringify({ email: OWNER.email, password })
	});
}

/** How many requests for `path` an instance has logged (one JSON line per request). */
function logged(instance: Instance, path: string): number {
	return instance
		.output()
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line) as Record<string, unknown>)
		.filter((line) => line.msg === 'request' && line.path === path).length;
}

test.beforeAll(async () => {
	test.setTimeout(180_000);
	dir = mkdtempSync(join(tmpdir(), 'roster-proxy-'));
	mkdirSync(join(dir, 'logs'));
	const cert = spawnSync(
		'openssl',
		[
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-days',
			'1',
			'-subj',
			'/CN=roster.test',
			'-addext',
			'subjectAltName=DNS:roster.test',
			'-keyout',
			join(dir, 'roster.test.key'),
			'-out',
			join(dir, 'roster.test.crt')
		],
		{ encoding: 'utf8' }
	);
	if (cert.status !== 0) throw new Error(`openssl failed: ${cert.stderr}`);

	dbName = `roster_e2e_${randomBytes(6).toString('hex')}`;
	await admin(`create database ${dbName}`);
	const url = new URL(pgURL!);
	url.pathname = `/${dbName}`;
	dbURL = url.toString();

	nginxPort = await freePort();
	origin = `https://roster.test:${nginxPort}`;
	const ports = [await freePort(), await freePort()];
	// The first instance migrates the empty database and loads the demo; then the second starts.
	instances.push(await startInstance(ports[0]!, true));
	instances.push(await startInstance(ports[1]!, false));

	writeFileSync(join(dir, 'nginx.conf'), nginxConf(nginxPort, ports));
	const started = spawnSync(
		NGINX,
		['-e', join(dir, 'logs/error.log'), '-c', join(dir, 'nginx.conf'), '-p', `${dir}/`],
		{ encoding: 'utf8' }
	);
	if (started.status !== 0) throw new Error(`nginx did not start: ${started.stderr}`);
	nginxStarted = true;
});

test.afterAll(async () => {
	if (nginxStarted) {
		spawnSync(NGINX, [
			'-e',
			join(dir, 'logs/error.log'),
			'-c',
			join(dir, 'nginx.conf'),
			'-p',
			`${dir}/`,
			'-s',
			'stop'
		]);
	}
	for (const instance of instances) {
		if (instance.process.exitCode === null) instance.process.kill('SIGTERM');
		await instance.exited;
	}
	if (dbName) await admin(`drop database if exists ${dbName} with (force)`);
	if (dir) rmSync(dir, { recursive: true, force: true });
});

test('through nginx, /healthz answers and a sign-in sets a Secure session cookie', async () => {
	expect((await proxied('/healthz')).status).toBe(200);
	const login = await signIn(OWNER.password, '127.0.0.1');
	expect(login.status, login.body).toBe(200);
	const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
	expect(setCookie.length).toBeGreaterThan(0);
	const session = setCookie[0]!;
	// ORIGIN is https, so the cookie is only ever sent over https.
	expect(session).toMatch(/;\s*Secure/i);
	expect(session).toMatch(/;\s*HttpOnly/i);
	cookieHeader = session.split(';')[0]!;
});

test('six GET /api/me through nginx are answered by both instances (sessions live in the database)', async () => {
	const before = instances.map((instance) => logged(instance, '/api/me'));
	for (let i = 0; i < 6; i++) {
		const me = await proxied('/api/me', { headers: { cookie: cookieHeader } });
		expect(me.status, me.body).toBe(200);
		const body = JSON.parse(me.body) as {
			user: { email: string };
			enterprises: { id: string; name: string }[];
		};
		expect(body.user.email).toBe(OWNER.email);
		enterpriseID = body.enterprises.find((e) => e.name === 'Acme')!.id;
	}
	await expect
		.poll(() =>
			instances.reduce((n, instance, i) => n + logged(instance, '/api/me') - before[i]!, 0)
		)
		.toBe(6);
	for (const [i, instance] of instances.entries()) {
		expect(logged(instance, '/api/me') - before[i]!).toBeGreaterThan(0);
	}
});

test('the poke stream passes through nginx unbuffered (server-sent events)', async () => {
	expect(enterpriseID).not.toBe('');
	const stream = await new Promise<{ status: number; type: string; first: string }>(
		(resolve, reject) => {
			const req = httpsRequest({
				host: '127.0.0.1',
				port: nginxPort,
				servername: 'roster.test',
				rejectUnauthorized: false,
				path: `/api/sync/poke?enterpriseID=${enterpriseID}`,
				headers: { host: `roster.test:${nginxPort}`, cookie: cookieHeader }
			});
			req.on('response', (res) => {
				let text = '';
				res.on('data', (chunk: Buffer) => {
					text += chunk.toString();
					// The stream stays open: answer once the greeting has come through, then hang up.
					if (text.includes(': connected')) {
						resolve({
							status: res.statusCode ?? 0,
							type: String(res.headers['content-type']),
							first: text
						});
						req.destroy();
					}
				});
				res.on('end', () => reject(new Error(`the stream ended without ': connected': ${text}`)));
			});
			req.on('error', (error) => reject(error));
			req.end();
		}
	);
	expect(stream.status).toBe(200);
	expect(stream.type).toContain('text/event-stream');
	expect(stream.first).toContain(': connected');
});

test('a sign-in form posted from ORIGIN is accepted (303); from another origin it is refused (403)', async () => {
	const form = (from: string) =>
		proxied('/login', {
			method: 'POST',
			headers: {
				origin: from,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: new URLSearchParams(OWNER).toString()
		});
	const accepted = await form(origin);
	expect(accepted.status, accepted.body).toBe(303);
	const refused = await form('https://elsewhere.test');
	expect(refused.status).toBe(403);
});

test('sign-in limits key on the address nginx saw, not a made-up X-Forwarded-For (XFF_DEPTH=1)', async () => {
	// The attacker (127.0.0.2) sends a new X-Forwarded-For with every guess: the proxy appends the
	// real address, which is the one the limit counts, so the sixth guess is refused.
	const statuses: number[] = [];
	for (let i = 0; i < 6; i++) {
		const guess = await signIn(`wrong-${i}`, '127.0.0.2', `203.0.113.${10 + i}`);
		statuses.push(guess.status);
	}
	expect(statuses.slice(0, 5)).not.toContain(429);
	expect(statuses[5]).toBe(429);
	// The owner, from another address, still signs in: the attacker's limit is not theirs.
	const owner = await signIn(OWNER.password, '127.0.0.3');
	expect(owner.status, owner.body).toBe(200);
});

test('a body over client_max_body_size (6m) is refused by nginx with 413 before an instance sees it', async () => {
	const before = instances.map((instance) => logged(instance, '/api/sync/push'));
	const big = await proxied('/api/sync/push', {
		method: 'POST',
		headers: { cookie: cookieHeader, 'content-type': 'application/json' },
		body: 'x'.repeat(7 * 1024 * 1024)
	});
	expect(big.status).toBe(413);
	expect(big.body).toContain('nginx');
	expect(instances.map((instance) => logged(instance, '/api/sync/push'))).toEqual(before);
});

// The certificate and logs live in a temporary directory removed in afterAll; the proxy's error
// log is printed when a test fails, to tell an nginx problem from an app problem.
test.afterEach(() => {
	const info = test.info();
	if (info.status !== info.expectedStatus && dir) {
		const log = join(dir, 'logs/error.log');
		if (existsSync(log)) console.log(readFileSync(log, 'utf8'));
	}
});
