// Node twin of the Web Worker entry, for worker_threads.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { api } from './api.js';

if (!parentPort) throw new Error('vaultkey worker must run in a worker thread');
expose(api, nodeEndpoint(parentPort));
