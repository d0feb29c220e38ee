// A fresh Vite app's config: nothing vaultkey-specific. (No import of 'vite'
// so test/consumers.browser.test.ts can build a copy of this folder anywhere.)
export default {
  logLevel: 'warn',
  build: {
    // Source maps in the build would be fine; they only slow the test down.
    sourcemap: false,
    emptyOutDir: true,
  },
};
