// One module graph for bench/push.js: tsImport loads each entry in a namespace of its own, so the
// poke relay it starts must come from the same load as the push() it measures.
export { openDb, migrate } from '../../src/lib/server/db';
export { seedEnterprise } from '../../src/lib/server/seed';
export { push } from '../../src/lib/server/sync/push';
export { startPokeRelay } from '../../src/lib/server/sync/poke';
export { PUSH_PHASES } from '../../src/lib/server/sync/phases';
