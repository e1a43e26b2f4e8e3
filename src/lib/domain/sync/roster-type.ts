/**
 * The media type of a roster page in binary columns (`GET /api/sync/roster?format=binary`, see
 * roster-wire.ts): a module of its own, so a client can tell the form without loading the codec.
 */
export const ROSTER_BINARY_TYPE = 'application/vnd.roster.roster-page';
