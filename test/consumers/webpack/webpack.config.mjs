// A fresh webpack 5 app's config: nothing vaultkey-specific. index.html is
// copied next to the bundle by a few lines below instead of
// html-webpack-plugin, and nothing is imported from 'webpack' (the compiler
// hands its own API in), so test/consumers.browser.test.ts can build a copy of this
// folder anywhere.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

class CopyIndexHtml {
  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('CopyIndexHtml', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'CopyIndexHtml', stage: Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        compilation.emitAsset('index.html', new sources.RawSource(readFileSync(here('./index.html'))));
      });
    });
  }
}

export default {
  mode: 'production',
  context: here('.'),
  entry: './main.js',
  output: { path: here('./dist'), filename: 'main.js', clean: true },
  // The production default already avoids eval; said out loud because the CSP test depends on it.
  devtool: false,
  plugins: [new CopyIndexHtml()],
  performance: { hints: false },
};
