import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../..', import.meta.url).pathname;

/**
 * A directory that can run a production build outside the repository: the build's server imports
 * its dependencies from node_modules and is ES modules, so both are provided next to it.
 */
function workspace(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
	writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
	return dir;
}

/** A copy of the current production build (build/), served from a directory of its own. */
export function copyOfBuild(): string {
	const out = join(workspace('roster-build-a-'), 'build');
	cpSync(join(root, 'build'), out, { recursive: true });
	return out;
}

/**
 * The same build with a service worker that differs by a comment: to the browser, a new version of
 * the app is deployed (cheap; for journeys that only need "there is a newer version").
 */
export function nextVersionOf(build: string, label: string): string {
	const out = join(workspace('roster-build-next-'), 'build');
	cpSync(build, out, { recursive: true });
	const sw = join(out, 'client/service-worker.js');
	writeFileSync(sw, `${readFileSync(sw, 'utf8')}\n// ${label}\n`);
	// The server prefers precompressed files; they would still hold the old worker.
	rmSync(`${sw}.gz`, { force: true });
	rmSync(`${sw}.br`, { force: true });
	return out;
}

/**
 * A real second release: the app built again from the working tree, with one more version of the
 * Dexie mirror schema (a new index), as a release that changes the mirror would ship.
 */
export function buildWithMirrorSchemaBump(): string {
	const dir = workspace('roster-build-b-');
	for (const file of ['svelte.config.js', 'vite.config.ts', 'tsconfig.json']) {
		cpSync(join(root, file), join(dir, file));
	}
	cpSync(join(root, 'package.json'), join(dir, 'package.json'));
	for (const folder of ['src', 'static']) {
		cpSync(join(root, folder), join(dir, folder), { recursive: true });
	}
	// The build copies Roster's server entry into build/ (vite.config.ts).
	cpSync(join(root, 'scripts/serve.js'), join(dir, 'scripts/serve.js'));
	const dbFile = join(dir, 'src/lib/client/db.ts');
	const source = readFileSync(dbFile, 'utf8');
	const versions = [...source.matchAll(/this\.version\((\d+)\)/g)].map((m) => Number(m[1]));
	const next = Math.max(...versions) + 1;
	const anchor = 'super(name, options);';
	if (!source.includes(anchor)) throw new Error(`db.ts changed: no "${anchor}" to patch after`);
	writeFileSync(
		dbFile,
		source.replace(
			anchor,
			`${anchor}\n\t\tthis.version(${next}).stores({ licenses: 'id, email, lastActiveAt, name' });`
		)
	);
	const result = spawnSync('npx', ['vite', 'build'], { cwd: dir, encoding: 'utf8' });
	if (result.status !== 0) {
		throw new Error(`building release B failed:\n${result.stdout}\n${result.stderr}`);
	}
	return join(dir, 'build');
}

/** The mirror schema version build B opens (Dexie stores version × 10 in IndexedDB). */
export function schemaVersions(): { a: number; b: number } {
	const source = readFileSync(join(root, 'src/lib/client/db.ts'), 'utf8');
	const a = Math.max(...[...source.matchAll(/this\.version\((\d+)\)/g)].map((m) => Number(m[1])));
	return { a: a * 10, b: (a + 1) * 10 };
}

/** A Roster server this test started. */
export interface TestServer {
	url: string;
	stop(): Promise<void>;
}

/**
 * Starts `node <build>/index.js` on `port` with its own SQLite database in `dataDir` (the demo
 * enterprise loads into an empty one), and waits until it answers.
 */
export async function serve(
	build: string,
	opts: { port: number; dataDir: string; env?: Record<string, string> }
): Promise<TestServer> {
	const url = `http://localhost:${opts.port}`;
	const env: NodeJS.ProcessEnv = {
		...process.env,
		...opts.env,
		PORT: String(opts.port),
		ORIGIN: url,
		// A deploy should not wait the default 30 s for the open pages' event streams to end.
		SHUTDOWN_TIMEOUT: '1',
		DATA_DIR: opts.dataDir
	};
	delete env.DATABASE_URL;
	const child: ChildProcess = spawn(process.execPath, [join(build, 'index.js')], {
		env,
		stdio: 'ignore'
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${url}/healthz`)).ok) break;
		} catch {
			if (i > 300 || child.exitCode !== null) {
				child.kill();
				throw new Error(`the server of ${build} did not start on port ${opts.port}`);
			}
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return {
		url,
		async stop() {
			if (child.exitCode === null) child.kill('SIGTERM');
			await exited;
		}
	};
}

/** A fresh data directory for a test server. */
export function dataDir(): string {
	return mkdtempSync(join(tmpdir(), 'roster-pwa-data-'));
}

/** Removes a data directory made by `dataDir`. */
export function removeDataDir(dir: string): void {
	rmSync(dir, { recursive: true, force: true });
}

/** Removes a build made by this module (the workspace around it too). */
export function removeBuild(build: string): void {
	const dir = join(build, '..');
	// Unlink the shared node_modules first, so nothing can ever follow it.
	rmSync(join(dir, 'node_modules'), { force: true });
	rmSync(dir, { recursive: true, force: true });
}
