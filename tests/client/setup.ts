// The mirrors of the state specs live in fake-indexeddb, there before Dexie is first imported.
import 'fake-indexeddb/auto';
