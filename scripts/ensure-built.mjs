// Builds dist/ when it is missing or older than the sources (bench and start use it).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

process.chdir(new URL('..', import.meta.url).pathname);
if (!existsSync('node_modules')) execFileSync('npm', ['ci'], { stdio: 'inherit' });
const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};
const built = existsSync('dist/node/core.js') ? statSync('dist/node/core.js').mtimeMs : 0;
if (built < Math.max(newest('assembly'), newest('src'), newest('worker'))) {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
