// Shared helpers of the browser tests and the benchmark: a static server for dist/ on
// port 0 and a headless Chromium (Debian's /usr/bin/chromium) with a fresh profile.
import { createServer } from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { join, extname, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist');
export const ARTIFACTS = join(ROOT, 'target', 'e2e');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};

/** Serve dist/ on 127.0.0.1, port 0. Resolves to { url, close }. */
export async function serveDist() {
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = resolve(DIST, '.' + path);
      if (!file.startsWith(DIST)) throw new Error('outside dist');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Headless Chromium with a fresh user data dir. Resolves to { context, close }. */
export async function launch() {
  const profile = await mkdtemp(join(tmpdir(), 'replscope-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Choose a scenario by name from the menu. */
export async function chooseScenario(page, name) {
  await page.selectOption('[data-testid=scenario-select]', { label: name });
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=scenario-select]').selectedOptions[0].text === n
      && document.querySelector('[data-testid=app]').dataset.step === '0',
    name,
  );
}

/** Run the current scenario to its end. */
export async function runToEnd(page) {
  await page.click('[data-testid=btn-end]');
  await page.waitForSelector('[data-testid=finished]');
}

/** Key names listed in node i's keyspace panel. */
export async function keysOf(page, i) {
  return page.$$eval(`[data-testid=keys-${i}] li[data-key]`, (els) => els.map((e) => e.dataset.key));
}
