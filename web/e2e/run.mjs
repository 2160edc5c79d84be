// End-to-end tests of the built app (dist/) in headless Chromium. Run by scripts/e2e.
// Every test must run: there is no skip. Screenshots go to target/e2e/.
import assert from 'node:assert/strict';
import { mkdir, access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS, DIST, ROOT, serveDist, launch, chooseScenario, runToEnd, keysOf } from './common.mjs';

const SCENARIOS = ['full-sync', 'partial-resync', 'backlog-overflow', 'failover', 'chain', 'diskless', 'wait', 'restart'];

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

// The paths of the requests `page` makes from now on that `wanted(path)` selects (the
// array fills as they happen).
function recordFetches(page, wanted) {
  const fetched = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (wanted(path)) fetched.push(path);
  });
  return fetched;
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

await test('COMMAND facts are fetched when a COMMAND is first typed; replies complete, order kept', async (page) => {
  // The browser build does not embed COMMAND's facts and summaries (issue #6).
  const fetched = recordFetches(page, (path) => path.endsWith('.txt'));
  await page.reload();
  await page.waitForSelector('[data-testid=topo-node-0]');
  await chooseScenario(page, 'full-sync');
  await runToEnd(page);
  assert.deepEqual(fetched, []);
  for (const line of ['COMMAND DOCS get', 'SET after-docs 1', 'COMMAND INFO keys', 'OBJECT HELP']) {
    await page.fill('[data-testid=console-input-0]', line);
    await page.press('[data-testid=console-input-0]', 'Enter');
  }
  await page.waitForFunction(() => document.querySelector('[data-testid=console-log-0]').textContent.includes('OBJECT HELP'));
  await runToEnd(page);
  const log = await page.textContent('[data-testid=console-log-0]');
  const at = (s) => log.indexOf(s);
  assert.ok(at('COMMAND DOCS get') >= 0 && at('COMMAND DOCS get') < at('SET after-docs 1') && at('SET after-docs 1') < at('COMMAND INFO keys'), log);
  assert.match(log, /"summary"\n\s*\d+\) "Get the value of a key"/);
  assert.match(log, /"since"\n\s*\d+\) "1\.0\.0"/);
  assert.match(log, /"complexity"\n\s*\d+\) "O\(1\)"/);
  // KEYS's recorded categories and tips (its flags alone would not give @dangerous).
  assert.match(log, /1\) @keyspace\n\s*2\) @read\n\s*3\) @slow\n\s*4\) @dangerous\n\s*8\) 1\) "request_policy:all_shards"\n\s*2\) "nondeterministic_output_order"/);
  assert.match(log, /OBJECT HELP\s+1\) OBJECT <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\n\s+2\) ENCODING <key>\n/);
  assert.match(log, /14\) HELP\n15\)     Prints this help\.$/);
  assert.ok((await keysOf(page, 1)).includes('after-docs'));
  assert.deepEqual(fetched, ['/command-docs.txt']);
  // Another container's HELP, typed after the file arrived, answers at once.
  await page.fill('[data-testid=console-input-0]', 'CONFIG HELP');
  await page.press('[data-testid=console-input-0]', 'Enter');
  await runToEnd(page);
  assert.match(await page.textContent('[data-testid=console-log-0]'), /CONFIG HELP\s+1\) CONFIG <subcommand> .*\n\s+2\) GET <pattern>\n/);
  assert.deepEqual(fetched, ['/command-docs.txt']);
  // A permalink that replays a COMMAND waits for the facts, then restores the same log.
  await page.click('[data-testid=btn-copy-link]');
  const href = await page.evaluate(() => window.replscope.last.text);
  const page2 = await browser.context.newPage();
  await page2.goto(href);
  await page2.waitForFunction((s) => document.querySelector('[data-testid=app]').dataset.step === s,
    await page.getAttribute('[data-testid=app]', 'data-step'));
  assert.equal(await page2.textContent('[data-testid=console-log-0]'), await page.textContent('[data-testid=console-log-0]'));
  await page2.close();
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
  // Links written before the core permalink format still open.
  await page.goto(`${server.url}#scenario=partial-resync&step=40`);
  await page.waitForSelector('[data-testid=topo-node-0]');
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.step === '40');
  assert.equal(await page.$eval('[data-testid=scenario-select]', (s) => s.selectedOptions[0].text), 'partial-resync');
  const at40 = await panelText(page);
  await step(page);
  await page.waitForFunction(() => location.hash === '#s=partial-resync&seed=1&step=41&lang=en');
  await back(page);
  await page.waitForFunction(() => location.hash === '#s=partial-resync&seed=1&step=40&lang=en');
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

// ---- classroom layer (issue #7) ----

/** The step titles of a tour file, in order. */
async function tourTitles(scenario, lang) {
  const src = await readFile(join(ROOT, 'tours', `${scenario}.${lang}.tour`), 'utf8');
  const titles = [];
  let inStep = false;
  for (const line of src.split('\n')) {
    if (line.startsWith('step:')) inStep = true;
    else if (inStep && line.startsWith('title:')) {
      titles.push(line.slice(6).trim());
      inStep = false;
    }
  }
  return titles;
}

async function tourStep(page) {
  return page.getAttribute('[data-testid=app]', 'data-tour-step');
}

async function tourNext(page) {
  const before = await tourStep(page);
  await page.click('[data-testid=tour-next]');
  await page.waitForFunction((b) => document.querySelector('[data-testid=app]').dataset.tourStep !== b, before);
}

await test('full-sync tour in Chinese: every step narrated in order, PSYNC predicted', async (page) => {
  await chooseScenario(page, 'full-sync');
  await page.selectOption('[data-testid=lang-select]', 'zh');
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.lang === 'zh');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hans');
  assert.equal(await page.textContent('[data-testid=btn-play]'), '播放');
  await page.click('[data-testid=btn-tour]');
  await page.waitForSelector('[data-testid=tour-title]');
  const expected = await tourTitles('full-sync', 'zh');
  const seen = [];
  const steps = [];
  for (;;) {
    seen.push(await page.textContent('[data-testid=tour-title]'));
    steps.push(Number(await page.getAttribute('[data-testid=app]', 'data-step')));
    assert.ok((await page.textContent('[data-testid=live-narration]')).startsWith(seen.at(-1)), 'narration in the live region');
    if (await page.$('[data-testid=tour-question]')) {
      // Predict before the answer is shown: the PSYNC is on the wire, no reply yet.
      assert.equal(await page.$('[data-testid=tour-feedback]'), null);
      assert.ok(!(await page.textContent('[data-testid=psync-history]')).includes('FULLRESYNC'));
      await page.click('[data-testid="choice-+FULLRESYNC"]');
      assert.equal(await page.textContent('[data-testid=tour-feedback]'), '答对了！');
      await page.waitForFunction(() => document.querySelector('[data-testid=psync-history]').textContent.includes('+FULLRESYNC'));
    }
    if (await page.$eval('[data-testid=tour-next]', (b) => b.disabled)) break;
    await tourNext(page);
  }
  await page.screenshot({ path: join(ARTIFACTS, 'tour-zh.png') });
  assert.deepEqual(seen, expected);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i] >= steps[i - 1], `tour moments in order: ${steps}`);
  // The five steps of the classic explanation, in order.
  const five = ['第 1 步', '第 2 步', '第 3 步', '第 4 步', '第 5 步'].map((p) => seen.findIndex((t) => t.startsWith(p)));
  assert.ok(five.every((i) => i >= 0), seen.join(' | '));
  assert.deepEqual([...five].sort((a, b) => a - b), five);
});

await test('switching to English mid-tour keeps the step and the panels', async (page) => {
  await chooseScenario(page, 'full-sync');
  await page.selectOption('[data-testid=lang-select]', 'zh');
  await page.click('[data-testid=btn-tour]');
  await page.waitForSelector('[data-testid=tour-title]');
  for (let i = 0; i < 3; i++) await tourNext(page);
  const state = async () => ({
    step: await page.getAttribute('[data-testid=app]', 'data-step'),
    tour: await tourStep(page),
    info: await page.textContent('[data-testid=info-1]'),
    keys: await keysOf(page, 1),
    topology: await page.$$eval('[data-testid=packet] title', (t) => t.map((x) => x.textContent)),
  });
  const before = await state();
  assert.equal(await page.textContent('[data-testid=tour-title]'), (await tourTitles('full-sync', 'zh'))[3]);
  await page.selectOption('[data-testid=lang-select]', 'en');
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.lang === 'en');
  assert.deepEqual(await state(), before);
  assert.equal(await page.textContent('[data-testid=tour-title]'), (await tourTitles('full-sync', 'en'))[3]);
  assert.equal(await page.textContent('[data-testid=btn-play]'), 'Play');
  // Bilingual: both languages at once, state unchanged.
  await page.check('[data-testid=bilingual]');
  await page.waitForSelector('[data-testid=tour-title-2]');
  assert.equal(await page.textContent('[data-testid=tour-title-2]'), (await tourTitles('full-sync', 'zh'))[3]);
  assert.equal(await page.textContent('[data-testid=btn-play]'), 'Play / 播放');
  assert.deepEqual(await state(), before);
});

await test('a core permalink restores scenario, step, language, tour and settings', async (page) => {
  await chooseScenario(page, 'partial-resync');
  for (let i = 0; i < 40; i++) await step(page);
  const info = await page.textContent('[data-testid=info-1]');
  const keys = await keysOf(page, 1);
  await page.goto('about:blank');
  await page.goto(`${server.url}#s=partial-resync&seed=1&step=40&lang=zh&tour=1`);
  await page.waitForSelector('[data-testid=topo-node-0]');
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.step === '40');
  assert.equal(await page.getAttribute('[data-testid=app]', 'data-lang'), 'zh');
  await page.waitForSelector('[data-testid=tour-panel]');
  assert.equal(await page.textContent('[data-testid=info-1]'), info);
  assert.deepEqual(await keysOf(page, 1), keys);
  // Copy link gives the same URL back, with a typed command in it.
  await page.fill('[data-testid=console-input-0]', 'SET from-link 1');
  await page.press('[data-testid=console-input-0]', 'Enter');
  await runToEnd(page);
  await page.click('[data-testid=btn-copy-link]');
  const href = await page.evaluate(() => window.replscope.last.text);
  assert.match(href, /#s=partial-resync&seed=1&step=\d+&lang=zh&tour=1&act=40:0:SET%20from-link%201$/);
  const endInfo = await page.textContent('[data-testid=info-1]');
  const page2 = await browser.context.newPage();
  await page2.goto(href);
  await page2.waitForSelector('[data-testid=topo-node-0]');
  await page2.waitForFunction((s) => document.querySelector('[data-testid=app]').dataset.step === s,
    await page.getAttribute('[data-testid=app]', 'data-step'));
  assert.ok((await keysOf(page2, 1)).includes('from-link'));
  assert.equal(await page2.textContent('[data-testid=info-1]'), endInfo);
  await page2.close();
});

await test('tours are fetched when a tour starts; a permalink to a Chinese tour step restores it', async (page) => {
  // The page does not embed the tours (issue #6): nothing under tours/ is loaded until a
  // tour is turned on, then the scenario's two files.
  const fetched = recordFetches(page, (path) => path.includes('/tours/'));
  await page.reload();
  await page.waitForSelector('[data-testid=topo-node-0]');
  await chooseScenario(page, 'full-sync');
  assert.deepEqual(fetched, []);
  await page.selectOption('[data-testid=lang-select]', 'zh');
  await page.waitForFunction(() => document.querySelector('[data-testid=app]').dataset.lang === 'zh');
  assert.equal(await page.textContent('[data-testid=btn-play]'), '播放');
  await page.click('[data-testid=btn-tour]');
  await page.waitForSelector('[data-testid=tour-title]');
  assert.deepEqual(fetched.sort(), ['/tours/full-sync.en.tour', '/tours/full-sync.zh.tour']);
  for (let i = 0; i < 3; i++) await tourNext(page);
  // Two more steps forward inside the tour's fourth step (or wherever they lead).
  await step(page);
  await step(page);
  const want = {
    step: await page.getAttribute('[data-testid=app]', 'data-step'),
    tour: await tourStep(page),
    title: await page.textContent('[data-testid=tour-title]'),
    info: await page.textContent('[data-testid=info-1]'),
  };
  assert.equal(want.title, (await tourTitles('full-sync', 'zh'))[Number(want.tour)]);
  await page.click('[data-testid=btn-copy-link]');
  const href = await page.evaluate(() => window.replscope.last.text);
  assert.match(href, /#s=full-sync&.*lang=zh&tour=1/);
  const page2 = await browser.context.newPage();
  await page2.goto(href);
  await page2.waitForSelector('[data-testid=tour-title]');
  assert.deepEqual({
    step: await page2.getAttribute('[data-testid=app]', 'data-step'),
    tour: await tourStep(page2),
    title: await page2.textContent('[data-testid=tour-title]'),
    info: await page2.textContent('[data-testid=info-1]'),
  }, want);
  await page2.close();
});

await test('compare mode: full resync with a small backlog, partial with a big one', async (page) => {
  await chooseScenario(page, 'backlog-overflow');
  await page.selectOption('[data-testid=compare-select]', 'backlog');
  await page.waitForSelector('[data-testid=cmp-side-1]');
  assert.match(await page.textContent('[data-testid=cmp-side-0] h3'), /repl-backlog-size 16384/);
  assert.match(await page.textContent('[data-testid=cmp-side-1] h3'), /repl-backlog-size 1048576/);
  await page.click('[data-testid=cmp-step]');
  await page.click('[data-testid=cmp-end]');
  await page.waitForFunction(() => document.querySelector('[data-testid=cmp-psyncs-1]').textContent.includes('+CONTINUE'));
  const left = await page.$$eval('[data-testid=cmp-psyncs-0] li', (l) => l.map((x) => x.textContent));
  const right = await page.$$eval('[data-testid=cmp-psyncs-1] li', (l) => l.map((x) => x.textContent));
  assert.match(left.at(-1), /\+FULLRESYNC$/);
  assert.match(right.at(-1), /\+CONTINUE$/);
  assert.equal(await page.textContent('[data-testid=cmp-full-0]'), '1');
  assert.equal(await page.textContent('[data-testid=cmp-partial-0]'), '0');
  assert.equal(await page.textContent('[data-testid=cmp-full-1]'), '0');
  assert.equal(await page.textContent('[data-testid=cmp-partial-1]'), '1');
  const bytes = [0, 1].map(async (i) => Number(await page.textContent(`[data-testid=cmp-bytes-${i}]`)));
  const [b0, b1] = await Promise.all(bytes);
  assert.ok(b0 > 40000 && b1 > 100000, `bytes ${b0} ${b1}`);
  assert.match(await page.textContent('[data-testid=cmp-catchup-0]'), /^\d+\.\d ms$/);
  await page.screenshot({ path: join(ARTIFACTS, 'compare.png') });
});

await test('sequence diagram: Mermaid export of partial-resync has PSYNC and +CONTINUE; click jumps', async (page) => {
  await chooseScenario(page, 'partial-resync');
  await page.click('[data-testid=btn-seq]');
  await page.waitForSelector('[data-testid=sequence-svg]');
  const download = page.waitForEvent('download');
  await page.click('[data-testid=export-mermaid]');
  const file = await download;
  assert.equal(file.suggestedFilename(), 'partial-resync.mmd');
  const mermaid = await page.evaluate(() => window.replscope.last.text);
  assert.match(mermaid, /^sequenceDiagram\n/);
  assert.match(mermaid, /replica->>master: PSYNC [0-9a-f]/);
  assert.match(mermaid, /master->>replica: \+CONTINUE/);
  await page.click('[data-testid=export-json]');
  assert.match(await page.evaluate(() => window.replscope.last.text), /"label":"\+CONTINUE/);
  await runToEnd(page);
  const msgs = page.locator('[data-testid=seq-msg]');
  assert.ok((await msgs.count()) > 10);
  const target = msgs.nth(5);
  const at = await target.getAttribute('data-step');
  await target.click();
  await page.waitForFunction((s) => document.querySelector('[data-testid=app]').dataset.step === s, at);
  assert.ok((await page.locator('[data-testid=seq-msg].current').count()) >= 1);
  // Keyboard: focus a message, Enter jumps.
  const other = msgs.nth(2);
  const at8 = await other.getAttribute('data-step');
  assert.notEqual(at8, at);
  await other.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((s) => document.querySelector('[data-testid=app]').dataset.step === s, at8);
  await page.locator('[data-testid=sequence]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, 'sequence.png') });
  await page.click('[data-testid=export-png]');
  await page.waitForFunction(() => window.replscope.last && window.replscope.last.text.startsWith('png '));
});

await test('lost-write explainer for wait, in both languages', async (page) => {
  await chooseScenario(page, 'wait');
  assert.match(await page.textContent('[data-testid=lost-writes]'), /`SET lost-key 1` was lost: .*WAIT right after it answered 0/);
  await page.selectOption('[data-testid=lang-select]', 'zh');
  await page.waitForFunction(() => document.querySelector('[data-testid=lost-writes]').textContent.includes('丢失'));
  await chooseScenario(page, 'failover');
  await page.waitForSelector('[data-testid=lost-writes]');
});

await test('presenter mode, clicker keys, live region and event table', async (page) => {
  await chooseScenario(page, 'full-sync');
  await page.click('[data-testid=btn-presenter]');
  assert.ok(await page.$eval('[data-testid=app]', (m) => m.classList.contains('presenter')));
  await page.click('[data-testid=btn-tour]');
  await page.waitForSelector('[data-testid=tour-narration]');
  await page.keyboard.press('n');
  await page.waitForFunction(() => !document.querySelector('[data-testid=tour-narration]'));
  await page.keyboard.press('n');
  await page.waitForSelector('[data-testid=tour-narration]');
  const s0 = Number(await page.getAttribute('[data-testid=app]', 'data-step'));
  await page.locator('body').focus();
  await page.keyboard.press('PageDown');
  await page.waitForFunction((s) => document.querySelector('[data-testid=app]').dataset.step === String(s + 1), s0);
  await page.keyboard.press('PageUp');
  await page.waitForFunction((s) => document.querySelector('[data-testid=app]').dataset.step === String(s), s0);
  assert.equal(await page.getAttribute('[data-testid=live-region]', 'aria-live'), 'polite');
  // Every event of the step is announced: the live region repeats the event table's rows
  // the step added.
  let events = [];
  for (let i = 0; i < 20 && events.length === 0; i++) {
    await page.keyboard.press('PageDown');
    events = await page.$$eval('[data-testid=live-region] p:not([data-testid=live-narration])', (p) => p.map((x) => x.textContent));
  }
  assert.ok(events.length > 0);
  const rows = await page.$$eval('[data-testid=event-log] tbody tr', (r) => r.map((x) => [...x.cells].map((c) => c.textContent).join(' ms  ')));
  assert.deepEqual(rows.slice(-events.length), events);
  const headers = await page.$$eval('[data-testid=event-log] th', (t) => t.map((x) => x.textContent));
  assert.deepEqual(headers, ['Time (ms)', 'Event']);
  // Keyboard only: Tab reaches the tour's Next button and Enter activates it.
  const before = await tourStep(page);
  await page.focus('[data-testid=tour-next]');
  await page.keyboard.press('Enter');
  await page.waitForFunction((b) => document.querySelector('[data-testid=app]').dataset.tourStep !== b, before);
  await page.screenshot({ path: join(ARTIFACTS, 'presenter.png'), fullPage: true });
});

await browser.close();
await server.close();

const failed = results.filter((r) => !r.ok).length;
if (errors.length) {
  console.log(`FAIL page errors:\n${errors.join('\n')}`);
}
console.log(`e2e: ${results.length - failed} passed, ${failed} failed; screenshots in ${ARTIFACTS}`);
process.exit(failed || errors.length || results.length === 0 ? 1 : 0);
