// vaultkey (main entry): the asynchronous, worker-backed API. Secrets live in
// the workers; the page gets results and handles.
export { WorkerPool } from './worker/pool.js';
export type { PoolOptions } from './worker/pool.js';
export { VaultkeyError } from './errors.js';
export type { VaultkeyErrorCode } from './errors.js';
