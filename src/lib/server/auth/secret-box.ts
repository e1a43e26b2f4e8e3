import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// Secrets the server must read back (an IdP's client secret) are sealed with AES-256-GCM under a key
// derived from SECRET_KEY (required with DATABASE_URL), or, when that is unset (the zero-setup
// SQLite case), from a random key
// generated once and kept in DATA_DIR/secret.key (readable by the server's user only). Each value is
// bound to what it belongs to (`context`, e.g. the enterprise id), so a sealed value copied to
// another row does not open.

const VERSION = 'v1';

let cached: { source: string; key: Buffer } | null = null;

/** Where the generated key lives when SECRET_KEY is unset. */
export function secretKeyFile(env: NodeJS.ProcessEnv = process.env): string {
	return resolve(env.DATA_DIR?.trim() || 'data', 'secret.key');
}

/**
 * What is wrong with the secret key configuration, in plain words, or null. With DATABASE_URL
 * (PostgreSQL, usually several instances) SECRET_KEY must be set: a key generated in each
 * instance's data folder would differ between instances, and a secret sealed by one would not open
 * on another. The server refuses to start on it.
 */
export function secretKeyProblem(env: NodeJS.ProcessEnv = process.env): string | null {
	const fromEnv = env.SECRET_KEY?.trim();
	if (fromEnv) {
		return fromEnv.length < 32 ? 'SECRET_KEY must be at least 32 characters' : null;
	}
	if (env.DATABASE_URL?.trim()) {
		return 'SECRET_KEY is not set: with DATABASE_URL every instance must share one secret key to read the saved single sign-on client secrets. Set SECRET_KEY to the same random value of at least 32 characters on every instance, e.g. SECRET_KEY=$(openssl rand -hex 32)';
	}
	return null;
}

function loadKeyMaterial(env: NodeJS.ProcessEnv): string {
	const problem = secretKeyProblem(env);
	if (problem) throw new Error(problem);
	const fromEnv = env.SECRET_KEY?.trim();
	if (fromEnv) return `env:${fromEnv}`;
	const file = secretKeyFile(env);
	try {
		return `file:${readFileSync(file, 'utf8').trim()}`;
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
	}
	mkdirSync(dirname(file), { recursive: true });
	const generated = randomBytes(32).toString('base64url');
	try {
		// `wx`: when two processes start together, the first one's key wins and the other reads it.
		writeFileSync(file, `${generated}\n`, { flag: 'wx', mode: 0o600 });
		chmodSync(file, 0o600);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
	}
	return `file:${readFileSync(file, 'utf8').trim()}`;
}

function key(env: NodeJS.ProcessEnv = process.env): Buffer {
	const material = loadKeyMaterial(env);
	if (cached?.source === material) return cached.key;
	const derived = Buffer.from(
		hkdfSync('sha256', material, 'roster', 'roster secret box v1', 32) as ArrayBuffer
	);
	cached = { source: material, key: derived };
	return derived;
}

/** Encrypts `plain` for storage, bound to `context`. */
export function seal(plain: string, context: string, env?: NodeJS.ProcessEnv): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', key(env), iv);
	cipher.setAAD(Buffer.from(context));
	const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
	const tag = cipher.getAuthTag();
	return [VERSION, iv, tag, body]
		.map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
		.join('.');
}

/** Decrypts a value `seal` made for the same `context`; throws when the key or context differ. */
export function open(sealed: string, context: string, env?: NodeJS.ProcessEnv): string {
	const [version, iv, tag, body] = sealed.split('.');
	if (version !== VERSION || !iv || !tag || body === undefined) {
		throw new Error('not a sealed value');
	}
	const decipher = createDecipheriv('aes-256-gcm', key(env), Buffer.from(iv, 'base64url'));
	decipher.setAAD(Buffer.from(context));
	decipher.setAuthTag(Buffer.from(tag, 'base64url'));
	return Buffer.concat([
		decipher.update(Buffer.from(body, 'base64url')),
		decipher.final()
	]).toString('utf8');
}
