// Benchmark of the built app (not a test): download size, time to first rendered topology,
// frames per second animating 5 replicas at 16x, simulator events per second in wasm.
//   node web/e2e/bench.mjs        (after trunk build --release and npm ci in web/e2e)
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST, serveDist, launch, chooseScenario } from './common.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. Download size: every file the page fetches on its first load, until the first
// topology is drawn and the network is idle (index.html, the JS glue, the wasm, the CSS),
// gzip -9 of each file as it is in dist/. The files fetched later, on demand (the tours
// when a tour starts, the Chinese table when Chinese is chosen), are listed apart.
const server = await serveDist();
const browser = await launch();

const loaded = new Set();
{
  const page = await browser.context.newPage();
  page.on('requestfinished', (r) => {
    const url = new URL(r.url());
    if (url.origin === new URL(server.url).origin) loaded.add(url.pathname === '/' ? '/index.html' : url.pathname);
  });
  await page.goto(server.url, { waitUntil: 'networkidle' });
  await page.waitForSelector('[data-testid=topo-node-0]');
  await page.close();
}
const gzOf = async (rel) => {
  const body = await readFile(join(DIST, rel));
  return [body.length, gzipSync(body, { level: 9 }).length];
};
let raw = 0;
let gz = 0;
for (const path of [...loaded].sort()) {
  const [r, z] = await gzOf(path.slice(1));
  raw += r;
  gz += z;
  console.log(`size ${path.slice(1)}: ${r} B raw, ${z} B gzipped`);
}
console.log(`size initial download: ${raw} B raw, ${gz} B gzipped (${(gz / 1024).toFixed(1)} KiB)`);
let lazyRaw = 0;
let lazyGz = 0;
let lazyN = 0;
for (const e of await readdir(DIST, { recursive: true, withFileTypes: true })) {
  if (!e.isFile()) continue;
  const rel = relative(DIST, join(e.parentPath ?? e.path, e.name));
  if (loaded.has('/' + rel)) continue;
  const [r, z] = await gzOf(rel);
  lazyRaw += r;
  lazyGz += z;
  lazyN += 1;
}
console.log(`size on demand (not loaded at start): ${lazyN} files, ${lazyRaw} B raw, ${lazyGz} B gzipped`);

// 2. Time to first rendered topology (ms since navigation start), 5 cold loads.
const firsts = [];
for (let i = 0; i < 5; i++) {
  const page = await browser.context.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid=topo-node-0]')) {
        window.__firstTopology = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(server.url);
  await page.waitForFunction(() => window.__firstTopology !== undefined);
  firsts.push(await page.evaluate(() => window.__firstTopology));
  await page.close();
}
console.log(`first topology: median ${median(firsts).toFixed(0)} ms (runs: ${firsts.map((x) => x.toFixed(0)).join(', ')})`);

const page = await browser.context.newPage();
await page.goto(server.url);
await page.waitForSelector('[data-testid=topo-node-0]');

// 3. Simulator events per second in wasm: "To end" of a scenario (one simulation plus one
// render), events counted by the simulator.
for (const name of ['full-sync', 'backlog-overflow', 'failover']) {
  await chooseScenario(page, name);
  const r = await page.evaluate(async () => {
    const app = document.querySelector('[data-testid=app]');
    const t0 = performance.now();
    document.querySelector('[data-testid=btn-end]').click();
    while (!document.querySelector('[data-testid=finished]')) await new Promise((ok) => setTimeout(ok, 0));
    return { ms: performance.now() - t0, events: Number(app.dataset.events), steps: Number(app.dataset.step) };
  });
  console.log(`sim ${name}: ${r.events} events, ${r.steps} steps in ${r.ms.toFixed(1)} ms = ${(r.events / r.ms * 1000).toFixed(0)} events/s`);
}

// A longer run: partial-resync with 500 background writes per second (write-rate slider).
await chooseScenario(page, 'partial-resync');
await page.$eval('[data-testid=set-rate]', (el) => {
  el.value = '6';
  el.dispatchEvent(new Event('change', { bubbles: true }));
});
await page.waitForFunction(() => document.querySelector('[data-testid=set-rate-value]').textContent === '500/s');
const long = await page.evaluate(async () => {
  const app = document.querySelector('[data-testid=app]');
  const t0 = performance.now();
  document.querySelector('[data-testid=btn-end]').click();
  while (!document.querySelector('[data-testid=finished]')) await new Promise((ok) => setTimeout(ok, 0));
  return { ms: performance.now() - t0, events: Number(app.dataset.events), steps: Number(app.dataset.step) };
});
console.log(`sim partial-resync + 500 writes/s: ${long.events} events, ${long.steps} steps in ${long.ms.toFixed(1)} ms = ${(long.events / long.ms * 1000).toFixed(0)} events/s, ${(long.steps / long.ms * 1000).toFixed(0)} steps/s`);

// 4. Frames per second animating 5 replicas at 16x: full-sync with 4 replicas added at
// step 0, played at 16x; rAF callbacks counted for 3 s.
await page.reload();
await page.waitForSelector('[data-testid=topo-node-0]');
await chooseScenario(page, 'full-sync');
for (let i = 0; i < 4; i++) await page.click('[data-testid=add-replica]');
for (let i = 0; i < 4; i++) await page.keyboard.press('+');
const speed = await page.textContent('[data-testid=speed-value]');
const fps = await page.evaluate(async () => {
  document.querySelector('[data-testid=btn-play]').click();
  const app = document.querySelector('[data-testid=app]');
  const step0 = Number(app.dataset.step);
  const times = [];
  await new Promise((done) => {
    const t0 = performance.now();
    const tick = (t) => {
      times.push(t);
      if (t - t0 < 3000 && app.dataset.playing === 'true') requestAnimationFrame(tick);
      else done();
    };
    requestAnimationFrame(tick);
  });
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const span = times[times.length - 1] - times[0];
  return {
    fps: (times.length - 1) / (span / 1000),
    worst: Math.max(...gaps),
    span,
    steps: Number(app.dataset.step) - step0,
    nodes: document.querySelectorAll('[data-testid^=topo-node-]').length,
  };
});
console.log(`fps at ${speed} with ${fps.nodes} nodes (${fps.nodes - 1} replicas): ${fps.fps.toFixed(1)} fps over ${fps.span.toFixed(0)} ms, worst frame ${fps.worst.toFixed(1)} ms, ${fps.steps} steps rendered`);

await browser.close();
await server.close();
