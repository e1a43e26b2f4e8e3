import { expose } from 'comlink';
import { createLicenseListApi } from './license-list-api';

/**
 * The Licenses page's list in a worker: it holds every licensed user's columns, the sort orders
 * and the search; the page only ever receives the rows on screen and the totals.
 */
const api = createLicenseListApi();

expose(api);

/** The worker's API, for `wrap<LicenseListWorkerApi>()`. */
export type LicenseListWorkerApi = typeof api;
