// Run in a process of its own by prototype-hardening.spec.ts (freezing prototypes inside the test
// runner would freeze the runner's too): hardens, then loads the database layers and scim-patch
// only afterwards, the hardest case, and prints what it saw as one JSON line.
import { hardenPrototypes, prototypesHardened } from '../../../src/lib/server/harden';

hardenPrototypes();
const seen: Record<string, unknown> = { hardened: prototypesHardened() };

// scim-patch 0.8.3 with nothing in front of it: the writes fail instead of polluting.
const { scimPatch } = await import('scim-patch');
const attacks: Record<string, string> = {};
for (const path of ['name.__proto__.domain', 'name.constructor.prototype.domain']) {
	try {
		scimPatch({ schemas: [], name: {} } as never, [{ op: 'add', path, value: 'evil' }] as never);
		attacks[path] = 'applied';
	} catch (err) {
		attacks[path] = err instanceof TypeError ? 'refused' : String(err);
	}
}
seen.attacks = attacks;
seen.polluted = 'domain' in {} || 'domain' in [] || 'domain' in (() => 0);

// Code that overrides inherited methods on its own objects keeps working (strict mode).
class Money {}
(Money.prototype as { toString(): string }).toString = () => 'money';
const fn = () => 0;
(fn as { toString(): string }).toString = () => 'fn';
const plain = {} as { constructor: unknown };
plain.constructor = 'mine';
seen.overrides = [String(new Money()), String(fn), plain.constructor, {}.constructor === Object];

// Both databases, loaded after the freeze: migrate, write, read.
const { createTestDb, dialects } = await import('./databases');
const databases: Record<string, unknown> = {};
for (const dialect of dialects) {
	const t = await createTestDb(dialect);
	try {
		await t.database.db
			.insertInto('users')
			.values({
				id: 'u1',
				email: 'a@b.test',
				name: 'A',
				password_hash: null,
				last_login_at: null,
				created_at: 1
			})
			.execute();
		const rows = await t.database.db.selectFrom('users').select(['id', 'email']).execute();
		databases[dialect] = rows;
	} finally {
		await t.drop();
	}
}
seen.databases = databases;
console.log(JSON.stringify(seen));
