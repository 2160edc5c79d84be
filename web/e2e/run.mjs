// End-to-end tests of the built app (dist/) in headless Chromium. Run by scripts/e2e.
// Every test must run: there is no skip. Screenshots go to target/e2e/.
import assert from 'node:assert/strict';
import { mkdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS, DIST, serveDist, launch, chooseScenario, runToEnd, keysOf } from './common.mjs';

const SCENARIOS = ['full-sync', 'partial-resync', 'backlog-overflow', 'failover', 'chain'];

await access(join(DIST, 'index.html')).catch(() => {
  console.error(`e2e: ${DIST}/index.html is missing: run trunk build --release first`);
  process.exit(1);
});
await mkdir(ARTIFACTS, { recursive: true });

const server = await serveDist();
const browser = await launch();
const errors = [];
const results = [];

async function freshPage() {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=topology] [data-testid=topo-node-0]');
  return page;
}

async function test(name, fn) {
  const t0 = Date.now();
  const page = await freshPage();
  try {
    await fn(page);
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n${e.stack ?? e}`);
    await page.screenshot({ path: join(ARTIFACTS, `FAILED-${name.replace(/\W+/g, '_')}.png`), fullPage: true });
  } finally {
    await page.close();
  }
}

/** The text of every panel (nodes, PSYNC, topology, step counter). */
async function panelText(page) {
  return page.evaluate(() =>
    ['nodes', 'psync-panel', 'topology', 'step-counter', 'event-log']
      .map((id) => document.querySelector(`[data-testid=${id}]`).textContent)
      .join('\n---\n'));
}

async function step(page) {
  const before = await page.getAttribute('[data-testid=app]', 'data-step');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((b) => document.querySelector('[data-testid=app]').dataset.step !== b, before);
}

async function back(page) {
  const before = await page.getAttribute('[data-testid=app]', 'data-step');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((b) => document.querySelector('[data-testid=app]').dataset.step !== b, before);
}

await test('page loads with every scenario in the menu', async (page) => {
  const names = await page.$$eval('[data-testid=scenario-select] option', (o) => o.map((x) => x.textContent));
  assert.deepEqual(names, SCENARIOS);
  assert.equal(await page.getAttribute('[data-testid=app]', 'data-step'), '0');
  assert.match(await page.textContent('[data-testid=step-counter]'), /^step 0 \/ \d+$/);
});

await test('full-sync to the end: replica lists the master keys, INFO says link up', async (page) => {
  await chooseScenario(page, 'full-sync');
  await runToEnd(page);
  const master = await keysOf(page, 0);
  const replica = await keysOf(page, 1);
  assert.deepEqual(master, ['counter', 'during-bgsave', 'greeting', 'k', 'list']);
  assert.deepEqual(replica, master);
  const info = await page.textContent('[data-testid=info-1]');
  assert.match(info, /^# Replication\nrole:slave\n/);
  assert.match(info, /\nmaster_link_status:up\n/);
  assert.equal(await page.textContent('[data-testid=repl-state-1]'), 'REPL_STATE_CONNECTED');
  assert.match(await page.textContent('[data-testid=psync-outcome]'), /^\+FULLRESYNC$/);
});

await test('partial-resync: +CONTINUE and no RDB after it', async (page) => {
  await chooseScenario(page, 'partial-resync');
  // Play at 16x (keyboard) until the end: the packets are drawn on the way.
  for (let i = 0; i < 6; i++) await page.keyboard.press('+');
  assert.equal(await page.textContent('[data-testid=speed-value]'), '16×');
  let rdbAfterContinue = false;
  let sawContinue = false;
  await page.keyboard.press(' ');
  while (!(await page.$('[data-testid=finished]'))) {
    const labels = await page.$$eval('[data-testid=packet] text', (t) => t.map((x) => x.textContent));
    if (labels.some((l) => l.startsWith('+CONTINUE'))) sawContinue = true;
    if (sawContinue && labels.some((l) => l.includes('RDB '))) rdbAfterContinue = true;
    await page.waitForTimeout(15);
  }
  const history = await page.$$eval('[data-testid=psync-history] li', (l) => l.map((x) => x.textContent));
  assert.equal(history.length, 2, history.join('\n'));
  assert.match(history[0], /PSYNC \? -1 → \+FULLRESYNC$/);
  assert.match(history[1], /→ \+CONTINUE$/);
  assert.equal(await page.textContent('[data-testid=psync-outcome]'), '+CONTINUE');
  const continueStep = Number(history[1].match(/^step (\d+):/)[1]);
  const rdb = await page.textContent('[data-testid=rdb-1]');
  const rdbStep = Number(rdb.match(/step (\d+)\)$/)[1]);
  assert.ok(rdbStep < continueStep, `the only RDB (step ${rdbStep}) came before +CONTINUE (step ${continueStep})`);
  assert.ok(!rdbAfterContinue, 'no RDB packet after +CONTINUE');
  assert.deepEqual(await keysOf(page, 1), ['a', 'b', 'c']);
  assert.match(await page.textContent('[data-testid=info-1]'), /\nmaster_link_status:up\n/);
});

await test('step back and forward show the same panel text', async (page) => {
  await chooseScenario(page, 'partial-resync');
  for (let i = 0; i < 30; i++) await step(page);
  const at30 = await panelText(page);
  await step(page);
  const at31 = await panelText(page);
  assert.notEqual(at30, at31);
  await back(page);
  assert.equal(await panelText(page), at30);
  await step(page);
  assert.equal(await panelText(page), at31);
  // Scrub the timeline back to 30 as well.
  await page.$eval('[data-testid=timeline]', (el) => {
    el.value = '30';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.step === '30');
  assert.equal(await panelText(page), at30);
});

for (const name of ['full-sync', 'chain', 'failover']) {
  await test(`${name}: SET x 1 on the master console reaches every replica`, async (page) => {
    await chooseScenario(page, name);
    await runToEnd(page);
    // The master at the end: the node whose role is master and that has replicas.
    const master = await page.$$eval('[data-testid^=node-]', (cards) => {
      const c = cards.find((el) => el.querySelector('.role.master') && el.querySelector('[data-testid^=replicas-]'));
      return Number(c.dataset.testid.slice(5));
    });
    const input = `[data-testid=console-input-${master}]`;
    await page.fill(input, 'SET x 1');
    await page.press(input, 'Enter');
    await runToEnd(page);
    assert.match(await page.textContent(`[data-testid=console-log-${master}]`), /> SET x 1\s*OK/);
    const nodes = await page.$$eval('[data-testid^=node-]', (cards) =>
      cards.filter((c) => !c.classList.contains('down')).map((c) => Number(c.dataset.testid.slice(5))));
    let replicas = 0;
    for (const i of nodes) {
      const role = await page.textContent(`[data-testid=role-${i}]`);
      if (role !== 'replica') continue;
      replicas++;
      assert.ok((await keysOf(page, i)).includes('x'), `x on node ${i}`);
    }
    assert.ok(replicas >= 1);
  });
}

await test('every scenario runs to its end (screenshots)', async (page) => {
  for (const name of SCENARIOS) {
    await chooseScenario(page, name);
    await runToEnd(page);
    const counter = await page.textContent('[data-testid=step-counter]');
    const [, step, total] = counter.match(/^step (\d+) \/ (\d+)$/);
    assert.equal(step, total, `${name} ends at the timeline's end`);
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }
});

await test('console replies like redis-cli', async (page) => {
  await chooseScenario(page, 'full-sync');
  await runToEnd(page);
  for (const line of ['GET greeting', 'LRANGE list 0 -1', 'SET y 1', 'WAIT 1 100']) {
    await page.fill('[data-testid=console-input-1]', line);
    await page.press('[data-testid=console-input-1]', 'Enter');
  }
  await runToEnd(page);
  const log = await page.textContent('[data-testid=console-log-1]');
  assert.match(log, /GET greeting"hello"/);
  assert.match(log, /LRANGE list 0 -11\) "a"\n2\) "b"\n3\) "c"/);
  assert.match(log, /SET y 1\(error\) READONLY You can't write against a read only replica\./);
  assert.match(log, /WAIT 1 100\(error\) ERR WAIT cannot be used with replica instances\. Please also note that since Redis 4\.0 if a replica is configured to be writable \(which is not the default\) writes to replicas are just local and are not propagated\.$/);
});

await test('cut and restore a link, crash and restart, add a replica', async (page) => {
  await chooseScenario(page, 'full-sync');
  await runToEnd(page);
  await page.click('[data-testid=cut-1]');
  await page.fill('[data-testid=console-input-0]', 'SET during-cut 1');
  await page.press('[data-testid=console-input-0]', 'Enter');
  // The run settles (gives up after 120 s of virtual time) with the link down.
  await runToEnd(page);
  assert.ok(!(await keysOf(page, 1)).includes('during-cut'));
  assert.match(await page.textContent('[data-testid=info-1]'), /\nmaster_link_status:down\n/);
  await page.click('[data-testid=restore-1]');
  await runToEnd(page);
  assert.ok((await keysOf(page, 1)).includes('during-cut'));
  assert.equal(await page.textContent('[data-testid=psync-outcome]'), '+CONTINUE');
  await page.click('[data-testid=add-replica]');
  await runToEnd(page);
  assert.deepEqual(await keysOf(page, 2), await keysOf(page, 0));
  await page.click('[data-testid=crash-2]');
  await runToEnd(page);
  assert.equal(await page.textContent('[data-testid=role-2]'), 'DOWN');
  await page.click('[data-testid=restart-2]');
  await runToEnd(page);
  assert.match(await page.textContent('[data-testid=info-2]'), /\nmaster_link_status:up\n/);
});

await test('clicking a packet shows its bytes on the wire', async (page) => {
  await chooseScenario(page, 'full-sync');
  const psync = page.locator('[data-testid=packet]', { hasText: 'PSYNC ? -1' });
  for (let i = 0; i < 80 && (await psync.count()) === 0; i++) await step(page);
  await psync.first().click();
  assert.equal(
    await page.textContent('[data-testid=inspector-bytes]'),
    '*3\\r\\n\n$5\\r\\n\nPSYNC\\r\\n\n$1\\r\\n\n?\\r\\n\n$2\\r\\n\n-1\\r\\n\n',
  );
  assert.match(await page.textContent('[data-testid=inspector]'), /replica → master · PSYNC \? -1 · 30 B/);
});

await test('permalink: the URL names the scenario and step, and opens there', async (page) => {
  await page.goto('about:blank');
  await page.goto(`${server.url}#scenario=partial-resync&step=40`);
  await page.waitForSelector('[data-testid=topo-node-0]');
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.step === '40');
  assert.equal(await page.$eval('[data-testid=scenario-select]', (s) => s.selectedOptions[0].text), 'partial-resync');
  const at40 = await panelText(page);
  await step(page);
  await page.waitForFunction(() => location.hash === '#scenario=partial-resync&step=41');
  await back(page);
  await page.waitForFunction(() => location.hash === '#scenario=partial-resync&step=40');
  assert.equal(await panelText(page), at40);
});

await test('a typed command plays itself out: its packet travels and the reply comes back', async (page) => {
  await chooseScenario(page, 'full-sync');
  await runToEnd(page);
  for (let i = 0; i < 4; i++) await page.keyboard.press('+');
  await page.fill('[data-testid=console-input-0]', 'GET greeting');
  await page.press('[data-testid=console-input-0]', 'Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.playing === 'true');
  await page.waitForFunction(() => document.querySelector('[data-testid=console-log-0]').textContent.includes('"hello"'));
  await page.waitForSelector('[data-testid=finished]');
});

await test('packets move smoothly unless prefers-reduced-motion; a hidden tab pauses', async (page) => {
  await chooseScenario(page, 'full-sync');
  await step(page);
  await page.waitForSelector('[data-testid=packet]');
  const duration = () => page.$eval('[data-testid=packet]', (el) => getComputedStyle(el).transitionDuration);
  assert.equal(await duration(), '0.28s');
  await page.emulateMedia({ reducedMotion: 'reduce' });
  assert.equal(await duration(), '0s');
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.playing === 'true');
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.playing === 'false');
  const at = await page.getAttribute('[data-testid=app]', 'data-step');
  await page.waitForTimeout(600);
  assert.equal(await page.getAttribute('[data-testid=app]', 'data-step'), at, 'no steps while hidden');
});

await browser.close();
await server.close();

const failed = results.filter((r) => !r.ok).length;
if (errors.length) {
  console.log(`FAIL page errors:\n${errors.join('\n')}`);
}
console.log(`e2e: ${results.length - failed} passed, ${failed} failed; screenshots in ${ARTIFACTS}`);
process.exit(failed || errors.length || results.length === 0 ? 1 : 0);
