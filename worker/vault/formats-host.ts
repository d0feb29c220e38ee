// Where the vault worker runs the backup formats (./formats.ts): here, in
// Node and in the tests. The browser build swaps this file for
// ./formats-host.browser.ts (rollup.config.mjs), which runs them in a backup
// worker of their own.
export { formats } from './formats.js';
