// Web Worker entry (module worker). Dedicated to one page; it never posts
// secrets back except as results of methods documented to return them.
import { expose } from 'comlink';
import { api } from './api.js';

expose(api);
