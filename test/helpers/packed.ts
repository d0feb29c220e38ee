// Packs the repository's packages with `npm pack` (the files a user would get
// from the registry) and installs them into a scratch project with npm, as an
// app would. Dependencies come from npm's cache when it has them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const repo = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });

/** `npm pack` of the library (workspace: undefined) or a workspace package; the build already ran (scripts/test.mjs). */
export function pack(dest: string, workspace?: string): string {
  mkdirSync(dest, { recursive: true });
  const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dest, ...(workspace ? ['-w', workspace] : [])], repo);
  const [info] = JSON.parse(out) as { filename: string }[];
  return join(dest, info!.filename);
}

/** Files in a packed tarball, without the leading `package/`. */
export function tarballFiles(tgz: string): string[] {
  return execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((f) => f.replace(/^package\//, ''));
}

/** The version of a dependency the repository itself has installed (so npm's cache already holds it). */
export const installedVersion = (name: string) =>
  JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')).version as string;

/** Makes `dir` a fresh ESM project and `npm install`s the given specs into it. */
export function installInto(dir: string, specs: string[], extra: string[] = []): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', ...extra, ...specs], dir);
}
