// `npm run seed -- --enterprise NAME --users N [--domains a.test,b.test] [--seats S]
//   [--owner EMAIL --password PW] [--scim-token TOKEN] [--unmanaged K]`
import { parseArgs } from 'node:util';
import { configFromEnv, migrate, openDb } from '../src/lib/server/db/index';
import { seedEnterprise } from '../src/lib/server/seed';

const usage = `usage: npm run seed -- --enterprise NAME --users N [--domains a.test,b.test] [--seats S]
                     [--owner EMAIL --password PW] [--scim-token TOKEN] [--unmanaged K]`;

function fail(message: string): never {
	console.error(`seed: ${message}\n${usage}`);
	process.exit(2);
}

function count(name: string, value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a whole number ≥ 0 (got "${value}")`);
	return n;
}

let values;
try {
	({ values } = parseArgs({
		options: {
			enterprise: { type: 'string' },
			users: { type: 'string' },
			domains: { type: 'string' },
			seats: { type: 'string' },
			owner: { type: 'string' },
			password: { type: 'string' },
			'scim-token': { type: 'string' },
			unmanaged: { type: 'string' },
			help: { type: 'boolean', short: 'h' }
		},
		strict: true
	}));
} catch (err) {
	fail((err as Error).message);
}
if (values.help) {
	console.log(usage);
	process.exit(0);
}
const name = values.enterprise?.trim();
if (!name) fail('--enterprise is required');
const users = count('users', values.users) ?? fail('--users is required');
const domains = values.domains
	?.split(',')
	.map((d) => d.trim().toLowerCase())
	.filter(Boolean);
for (const d of domains ?? []) {
	if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(d))
		fail(`"${d}" is not a domain name`);
}
if (values.owner && !/^[^@\s]+@[^@\s]+$/.test(values.owner))
	fail(`--owner "${values.owner}" is not an email`);

const database = openDb(configFromEnv());
try {
	await migrate(database);
	const result = await seedEnterprise(database, {
		name,
		users,
		domains,
		seats: count('seats', values.seats),
		owner: values.owner,
		password: values.password,
		scimToken: values['scim-token'],
		unmanaged: count('unmanaged', values.unmanaged)
	});
	console.log(
		`seeded "${name}" (/e/${result.slug}) with ${result.users.toLocaleString('en-US')} users in ${(result.ms / 1000).toFixed(1)} s; owner ${result.owner}`
	);
} catch (err) {
	console.error(`seed: ${(err as Error).message}`);
	process.exitCode = 1;
} finally {
	await database.close();
}
