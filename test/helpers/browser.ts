// Debian's Chromium through Playwright, serving the repository on localhost.
// Browsers cannot be downloaded here: always /usr/bin/chromium.
import { before, after } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
// @ts-expect-error plain ESM helper without types
import { serveStatic } from '../../scripts/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-gpu',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves the repository root (dist/, examples/, test/fixtures/) on a free port. */
export function serveRepo(): Promise<Served> {
  return serveStatic({ root: new URL('../../', import.meta.url).pathname });
}

/** Collects console errors and uncaught page errors so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

export interface BrowserSuite {
  browser: Browser;
  context: BrowserContext;
  /** http://localhost:PORT/ (WebAuthn needs a domain as its RP ID, not 127.0.0.1). */
  base: string;
}

/**
 * Registers before/after hooks for a test file: the repository served on
 * localhost and one Chromium with a default context. Read the fields inside tests.
 */
export function browserSuite(): BrowserSuite {
  const s = {} as BrowserSuite;
  let server: Served | undefined;
  before(async () => {
    server = await serveRepo();
    s.base = server.url.replace('127.0.0.1', 'localhost');
    s.browser = await launch();
    s.context = await s.browser.newContext();
  });
  after(async () => {
    await s.browser?.close();
    await server?.close();
  });
  return s;
}
