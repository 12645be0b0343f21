// Opens idflow's HTML report in headless Chromium and checks that it works offline: no console
// error, no request beyond the file itself, the status filter works by click and is kept in the
// URL, a failed scenario shows its failure, a failed check shows expected against actual (red)
// and a warning is amber, and without JavaScript everything shows; counts add up, the title
// carries the status, skipped steps show, copy as curl copies the redacted request; the
// history's trend and flaky scenarios, the "search bodies" toggle, shared bodies opened where
// they are used and the ID token beside a claim expectation; passed scenarios stored in compressed
// chunks drawn on opening, and failures whole without JavaScript.
//
//   node --test tests/browser/
//
// IDFLOW_REPORT: the report to open (default reports/index.html, skipped when missing).
// IDFLOW_BIN: the idflow binary (default target/debug/idflow, as `cargo test` leaves it); it
// runs tests/fixtures/wrong first so that there is always a report with a failure.
// CHROMIUM: the browser (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fromRoot = (p) => path.resolve(root, p);
const mainReport = fromRoot(process.env.IDFLOW_REPORT || 'reports/index.html');
const bin = fromRoot(process.env.IDFLOW_BIN || 'target/debug/idflow');
const fixtureDir = fromRoot('reports/browser-fixture');
const fixtureReport = path.join(fixtureDir, 'index.html');
// The HTML writer's golden file: a fixed report with structured checks, a warning, a failed
// token check, a poll timeline, an undefined step and a failed hook. The golden file names the
// page's style sheet and script instead of holding them (see core/src/report/golden.rs); the
// page is put together again here, as the writer embeds them.
const goldenReport = fromRoot('reports/browser-golden/index.html');
function writeGoldenPage() {
  const embed = (text, name) =>
    text.replace(`/* ${name}, embedded whole */\n`, () =>
      readFileSync(fromRoot(`core/src/report/html/${name}`), 'utf8'));
  let page = readFileSync(fromRoot('core/src/report/golden/index.html'), 'utf8');
  page = embed(embed(page, 'style.css'), 'script.js');
  assert.ok(!page.includes('embedded whole */'), 'the golden page names style.css and script.js');
  mkdirSync(path.dirname(goldenReport), { recursive: true });
  writeFileSync(goldenReport, page);
}

let browser;

before(async () => {
  writeGoldenPage();
  assert.ok(existsSync(bin), `${bin} missing: run cargo test (or cargo build) first`);
  // The wrong fixture has a failing scenario, so the run exits 1; anything else is a problem.
  // Two passing features next to it, so that filtering has something to hide (CIBA brings
  // poll timelines).
  const features = ['tests/fixtures/wrong', 'features/oidc/authorization_code.feature', 'features/mobileid/ciba.feature'];
  // A fresh history each time, so the trend has exactly this run.
  rmSync(path.join(fixtureDir, 'history.json'), { force: true });
  const run = spawnSync(
    bin,
    ['run', ...features, '--report-dir', fixtureDir, '--quiet'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(run.status, 1, `idflow run tests/fixtures/wrong: ${run.stdout}${run.stderr}`);
  assert.ok(existsSync(fixtureReport), `${fixtureReport} not written`);
  mkdirSync(fromRoot('reports'), { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
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
  });
});

after(async () => {
  await browser?.close();
});

/// Opens `file` in a fresh context that refuses every network request and records every
/// request and console error.
async function open(file, { javaScriptEnabled = true, hash = '' } = {}) {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 900 } });
  const url = pathToFileURL(file).href;
  const requests = [];
  const refused = [];
  const errors = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.split('#')[0] === url) return route.continue();
    refused.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + hash, { waitUntil: 'load' });
  const check = () => {
    assert.deepEqual(errors, [], 'console errors');
    assert.deepEqual(refused, [], 'requests refused');
    const foreign = requests.filter(
      (u) => u.split('#')[0] !== url && !u.startsWith('data:') && !u.startsWith('about:'),
    );
    assert.deepEqual(foreign, [], 'requests other than the file itself');
    assert.ok(!requests.some((u) => /^(https?|wss?):/.test(u)), 'http(s) request');
  };
  return { context, page, url, check };
}

/// Visible scenarios' statuses.
const visibleStatuses = (page) =>
  page.$$eval('details.sc', (els) => els.filter((e) => !e.hidden).map((e) => e.dataset.s));

async function statusFilterWorks(page, url) {
  const all = await page.$$eval('details.sc', (els) => els.map((e) => e.dataset.s));
  assert.ok(all.length > 0, 'no scenarios');
  assert.ok(all.includes('failed') || all.includes('undefined'), 'the report has no failure');
  assert.ok(await page.isVisible('#flt'), 'filter bar shown with JavaScript');

  await page.click('#flt button[data-st="failed"]');
  const shown = await visibleStatuses(page);
  assert.ok(shown.length > 0, 'no scenario shown after clicking failed');
  assert.ok(
    shown.every((s) => s === 'failed' || s === 'undefined'),
    `only failures after clicking failed, got ${shown}`,
  );
  assert.equal(shown.length, all.filter((s) => s === 'failed' || s === 'undefined').length);
  assert.equal(await page.getAttribute('#flt button[data-st="failed"]', 'aria-pressed'), 'true');
  assert.match(await page.evaluate(() => location.hash), /status=failed/);
  assert.match(await page.textContent('#fn'), new RegExp(`^${shown.length} of ${all.length} `));

  // The view survives a reload: it is in the URL.
  await page.reload({ waitUntil: 'load' });
  assert.deepEqual(await visibleStatuses(page), shown, 'filter kept in the URL');

  // Clicking again shows everything.
  await page.click('#flt button[data-st="failed"]');
  assert.equal((await visibleStatuses(page)).length, all.length);
  assert.equal(await page.evaluate(() => location.hash), '');

  // Free text: a word that matches nothing hides everything; clearing restores.
  await page.fill('#fq', 'no-such-text-anywhere-4711');
  await page.waitForFunction(() => location.hash.includes('q='));
  assert.equal((await visibleStatuses(page)).length, 0);
  await page.fill('#fq', '');
  await page.waitForFunction(() => location.hash === '');
  assert.equal((await visibleStatuses(page)).length, all.length);
  return url;
}

/// Opens a closed scenario and checks that its body (steps, diagram) is rendered.
async function opensWithItsBody(scenario) {
  await scenario.locator('summary').first().click();
  await scenario.locator(':scope > ol').first().waitFor({ state: 'visible' });
  assert.equal(await scenario.locator(':scope > noscript').count(), 0, 'noscript replaced');
  if ((await scenario.locator('svg.sq').count()) > 0) {
    assert.ok(await scenario.locator('svg.sq').first().isVisible(), 'sequence diagram shown');
  }
}

/// The first failed scenario, open, shows its failure: the error as written (a step without
/// structured checks), or its failed checks with expected against actual.
async function failureShowsExpectedAndActual(page) {
  const failed = page.locator('details.sc[data-s="failed"]').first();
  await failed.scrollIntoViewIfNeeded();
  if (!(await failed.evaluate((d) => d.open))) await failed.locator('summary').first().click();
  assert.ok(await failed.evaluate((d) => d.open), 'failed scenario opens');
  const err = failed.locator('pre.err').first();
  assert.ok(await err.isVisible(), 'failure visible');
  const text = await err.textContent();
  assert.match(text, /expected/);
  assert.match(text, /actual/);
}

/// A failed check of `scenario`, rendered from its fields: expected and actual on their own
/// highlighted lines, red for a failed MUST.
async function failedCheckShowsExpectedAndActual(scenario) {
  const check = scenario.locator('ul.ck > li.f').first();
  assert.ok(await check.isVisible(), 'failed check visible');
  const exp = check.locator('pre.err .exp');
  const act = check.locator('pre.err .act');
  assert.match(await exp.textContent(), /^expected: /);
  assert.match(await act.textContent(), /^actual: /);
  assert.ok(await exp.isVisible() && await act.isVisible(), 'expected and actual visible');
  return check;
}

/// Parses `rgb(r, g, b)`.
const rgb = (css) => css.match(/\d+/g).slice(0, 3).map(Number);

test('fixture report with a failure: offline, filter by click, expected against actual', async () => {
  const { context, page, url, check } = await open(fixtureReport);
  try {
    await statusFilterWorks(page, url);
    await failureShowsExpectedAndActual(page);
    // A failed scenario with exchanges has its sequence diagram.
    assert.ok((await page.locator('details.sc[open] svg.sq').count()) > 0, 'sequence diagram');
    // A CIBA scenario, opened, shows its poll timeline and sequence diagram.
    const ciba = page.locator('details.sc', { hasText: 'MobileID claims' }).first();
    await opensWithItsBody(ciba);
    assert.ok(await ciba.locator('table:has(th:text("waited"))').first().isVisible(), 'poll timeline');
    assert.ok(await ciba.locator('svg.sq').first().isVisible(), 'sequence diagram');
    await page.screenshot({ path: path.join(fixtureDir, 'report-screenshot.png'), fullPage: true });
    check();
  } finally {
    await context.close();
  }
});

test('golden report: structured checks, amber warnings, polls under their step', async () => {
  const { context, page, check } = await open(goldenReport);
  try {
    // "Wrong audience" is a failure, open on load: its aud check, from its fields.
    const wrong = page.locator('details.sc', { hasText: 'Wrong audience' }).first();
    assert.ok(await wrong.evaluate((d) => d.open), 'failure open on load');
    const failedCheck = await failedCheckShowsExpectedAndActual(wrong);
    assert.match(await failedCheck.textContent(), /OpenID Connect Core 1\.0 §5\.3\.2/);
    assert.match(await failedCheck.textContent(), /hint: check the client/);
    // The flattened error text is not shown beside it.
    assert.equal(await wrong.locator('pre.err', { hasText: /^JSONPath/ }).count(), 0);
    const red = rgb(await failedCheck.evaluate((e) => getComputedStyle(e).color));

    // "Login with code flow" passed with a warning: amber, not red, and badged.
    const login = page.locator('details.sc', { hasText: 'Login with code flow' }).first();
    assert.equal(await login.getAttribute('data-s'), 'passed');
    assert.match(await login.locator('summary .b.w').textContent(), /1 warning/);
    await login.locator('summary').first().click();
    const warning = login.locator('ul.ck > li.w').first();
    await warning.waitFor({ state: 'visible' });
    assert.ok(await warning.isVisible(), 'warning visible');
    assert.match(await warning.textContent(), /Cache-Control warning: .*SHOULD/);
    const amber = rgb(await warning.evaluate((e) => getComputedStyle(e).color));
    assert.notDeepEqual(amber, red, 'a warning is not red');
    assert.ok(amber[0] > amber[2] && amber[1] > amber[2], `amber, got rgb(${amber})`);
    assert.equal(await login.locator('ul.ck > li.w pre.err').count(), 0, 'no red box for a warning');
    assert.ok(await login.locator('ul.ck > li.w pre.warn .exp').isVisible(), 'warning shows expected');
    const actual = login.locator('ul.ck > li.w pre.warn .act');
    const failedActual = failedCheck.locator('pre.err .act');
    const bg = (l) => l.evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.notEqual(await bg(actual), await bg(failedActual), "a warning's actual is not highlighted red");

    // A failed token check opens its token, claims beside the verdict.
    const nonce = page.locator('details.sc[data-s="failed"]', { hasText: 'Prompt' }).first();
    const token = nonce.locator('details', { hasText: 'Token: ID token' }).first();
    assert.ok(await token.evaluate((d) => d.open), 'token with a failed check open');
    await failedCheckShowsExpectedAndActual(token);

    // The poll timeline sits under the step that polled.
    const polled = page.locator('details.sc[data-s="passed"]', { hasText: 'Prompt' }).first();
    await opensWithItsBody(polled);
    const step = polled.locator(':scope > ol > li').first();
    assert.ok(await step.locator('table:has(th:text("waited"))').isVisible(), 'poll timeline under its step');
    check();
  } finally {
    await context.close();
  }
});

test('a shared view opens filtered', async () => {
  const { context, page, check } = await open(fixtureReport, { hash: '#status=failed' });
  try {
    const shown = await visibleStatuses(page);
    assert.ok(shown.length > 0 && shown.every((s) => s === 'failed'), `${shown}`);
    assert.equal(await page.getAttribute('#flt button[data-st="failed"]', 'aria-pressed'), 'true');
    check();
  } finally {
    await context.close();
  }
});

test('without JavaScript everything is shown', async () => {
  const { context, page, check } = await open(fixtureReport, { javaScriptEnabled: false });
  try {
    assert.ok(!(await page.isVisible('#flt')), 'filter bar hidden without JavaScript');
    const all = await page.$$eval('details.sc', (els) => els.length);
    assert.equal((await visibleStatuses(page)).length, all);
    assert.ok(await page.isVisible('text=idflow report'));
    assert.ok(await page.isVisible('.sum'));
    // Closed scenarios' bodies are plain markup without JavaScript: open one by its summary.
    // A passed scenario stored compactly (data-z) says instead that the script draws it.
    const closed = await page.$$eval('details.sc:not([open])', (ds) => ds.map((d) => [d.id, d.dataset.s, d.dataset.z || '']));
    assert.ok(closed.length > 0, 'no closed scenario');
    for (const [id, status, z] of closed) {
      await page.click(`#${id} > summary`);
      if (z) {
        assert.equal(status, 'passed', `only passed scenarios are stored compactly, ${id} is ${status}`);
        assert.ok(await page.locator(`#${id} p`, { hasText: "drawn by the page's script" }).isVisible(), `${id} says the script draws it`);
      } else {
        assert.ok(await page.locator(`#${id} ol`).first().isVisible(), `${id}: steps shown without JavaScript`);
      }
    }
    check();
  } finally {
    await context.close();
  }
});

test('main report: offline, no console error, screenshot', { skip: !existsSync(mainReport) && `${mainReport} missing` }, async () => {
  const { context, page, url, check } = await open(mainReport);
  try {
    const statuses = await page.$$eval('details.sc', (els) => els.map((e) => e.dataset.s));
    if (statuses.some((s) => s === 'failed' || s === 'undefined')) {
      await statusFilterWorks(page, url);
      await failureShowsExpectedAndActual(page);
    } else if (statuses.length > 0) {
      await page.click('#flt button[data-st="passed"]');
      assert.ok((await visibleStatuses(page)).every((s) => s === 'passed'));
      await page.click('#flt button[data-st="passed"]');
    }
    // Open the first closed scenario: its body is rendered from <noscript> on opening, with
    // its sequence diagram when it made requests.
    const closedId = await page.evaluate(() => document.querySelector('details.sc:not([open])')?.id);
    if (closedId) {
      await opensWithItsBody(page.locator(`#${closedId}`));
    }
    await page.screenshot({ path: fromRoot('reports/report-screenshot.png') });
    check();
  } finally {
    await context.close();
  }
});

test('counts add up, the title says the status, skipped steps show, copy as curl copies the redacted request', async () => {
  const { context, page, check } = await open(fixtureReport);
  try {
    const title = await page.title();
    assert.match(title, /^✘ 1 failed · idflow report: simulator$/, title);
    const n = async (id) => parseInt(await page.textContent(`#${id}`), 10);
    const all = await n('n-all');
    assert.equal((await n('n-p')) + (await n('n-f')) + (await n('n-s')), all, 'passed + failed + skipped = scenarios');
    assert.equal(all, await page.$$eval('details.sc', (els) => els.length));

    // The step after the failure is shown, skipped, with its text.
    const failed = page.locator('#failures details.sc').first();
    const skipped = failed.locator('li.s', { hasText: 'the response header "Content-Type" contains "json"' });
    assert.equal(await skipped.count(), 1, 'the skipped step is missing');
    assert.match(await skipped.textContent(), /skipped/);

    // Failures by check link to the failed scenario.
    const link = page.locator('#bycheck a').first();
    await page.click('#bycheck summary');
    await link.click();
    assert.ok(await failed.isVisible());

    // Copy as curl on the failed scenario's exchange: the token endpoint's secret never in clear.
    await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
    const exchange = failed.locator('details:has(> button.curl)').first();
    await exchange.locator('summary').first().click();
    const button = exchange.locator('> button.curl');
    assert.ok(await button.isVisible(), 'copy as curl is shown with JavaScript');
    const command = await button.getAttribute('data-curl');
    assert.match(command, /^curl -X GET '.*\/\.well-known\/openid-configuration'/);
    await button.click();
    await page.waitForFunction((b) => b.textContent !== 'copy as curl', await button.elementHandle());
    const after = await button.textContent();
    assert.ok(after === 'copied' || after === command, after);
    const html = await page.content();
    assert.ok(!html.includes('sim-web-secret-not-real'), 'a client secret in clear');
    check();
  } finally {
    await context.close();
  }
});

test('copy as curl is not offered without JavaScript', async () => {
  const { context, page } = await open(goldenReport, { javaScriptEnabled: false });
  try {
    const shown = await page.$$eval('button.curl', (bs) => bs.filter((b) => b.offsetParent !== null).length);
    assert.equal(shown, 0);
  } finally {
    await context.close();
  }
});

test('history: a trend of the last runs and the flaky scenarios, each linked', async () => {
  const { context, page, check } = await open(goldenReport);
  try {
    // The golden report's history: three runs, "Login with code flow" failed in the middle one.
    const bars = page.locator('#history svg.trend > g');
    assert.equal(await bars.count(), 3);
    for (let i = 0; i < 3; i++) {
      const g = bars.nth(i);
      const [p, f, s] = ['p', 'f', 's'].map(async (k) => Number(await g.getAttribute(`data-${k}`)));
      assert.equal((await p) + (await f) + (await s), 7, 'each bar adds up to the run\'s scenarios');
      assert.match(await g.locator('title').textContent(), /\d+ passed, \d+ failed, \d+ skipped/);
    }
    const failedRects = await page.$$eval('#history rect.f', (rs) => rs.map((r) => r.getBBox().height));
    assert.ok(failedRects[1] > failedRects[0], 'the middle run had more failures');
    const flaky = page.locator('#history ul.flaky li');
    assert.equal(await flaky.count(), 1);
    assert.match(await flaky.textContent(), /Login with code flow.*failed in 1 of the last 3 runs/);
    // The flaky scenario is badged and found by the flaky filter; the link leads to it.
    await page.click('#flt button[data-st="flaky"]');
    assert.deepEqual(await page.$$eval('details.sc:not([hidden])', (els) => els.map((e) => e.id)), ['s0']);
    await page.click('#flt button[data-st="flaky"]');
    await flaky.locator('a').click();
    const target = page.locator('#s0');
    assert.ok(await target.isVisible());
    assert.equal(await target.locator('summary .b.fl').textContent(), 'flaky');
    check();
  } finally {
    await context.close();
  }
});

test('the fixture run has a trend of one run; without a failure in between, nothing is flaky', async () => {
  const { context, page, check } = await open(fixtureReport);
  try {
    assert.equal(await page.locator('#history svg.trend > g').count(), 1);
    assert.match(await page.textContent('#history'), /No flaky scenario/);
    check();
  } finally {
    await context.close();
  }
});

test('search: names, steps and URLs by default, bodies only with "search bodies"', async () => {
  const { context, page, check } = await open(fixtureReport);
  try {
    const all = (await visibleStatuses(page)).length;
    const shown = async (text) => {
      await page.fill('#fq', text);
      await page.waitForFunction((t) => new URLSearchParams(location.hash.slice(1)).get('q') === t, text);
      return (await visibleStatuses(page)).length;
    };
    // A URL path is searched by default.
    assert.ok((await shown('/.well-known/openid-configuration')) > 0, 'URLs are searched');
    // A step text many scenarios share (the page writes it once, then by number) finds them all.
    assert.ok((await shown('the end-user logs in as "alice"')) >= 15, 'a shared step text finds every scenario with it');
    // A word only the discovery document's body holds matches nothing by default...
    assert.equal(await shown('request_parameter_supported'), 0);
    // ... and the scenarios that fetched it with "search bodies" on (the document is a shared
    // body: searched where it is used), kept in the URL.
    await page.check('#fqb');
    await page.waitForFunction(() => location.hash.includes('bodies=1'));
    // Passed scenarios' bodies are read from their chunks first.
    const bodiesRead = () => page.waitForFunction(() => !document.getElementById('fn').textContent.startsWith('reading'));
    await bodiesRead();
    const withBodies = (await visibleStatuses(page)).length;
    assert.ok(withBodies > 0 && withBodies < all, `with bodies: ${withBodies} of ${all}`);
    await page.reload({ waitUntil: 'load' });
    assert.ok(await page.isChecked('#fqb'), 'the toggle survives a reload');
    await bodiesRead();
    assert.equal((await visibleStatuses(page)).length, withBodies);
    await page.uncheck('#fqb');
    assert.equal((await visibleStatuses(page)).length, 0);
    await page.fill('#fq', '');
    await page.waitForFunction(() => location.hash === '');
    assert.equal((await visibleStatuses(page)).length, all);
    check();
  } finally {
    await context.close();
  }
});

test('a shared body opens where it is used; the ID token shows beside a claim expectation', async () => {
  const { context, page, check } = await open(fixtureReport);
  try {
    const sc = page.locator('details.sc', { hasText: 'verifies every token' }).first();
    await opensWithItsBody(sc);
    // The token beside "the ID token claim …", with its verdicts.
    const claim = sc.locator(':scope > ol > li', { hasText: 'the ID token claim "sub"' }).first();
    const token = claim.locator('details', { hasText: 'for reference' }).first();
    await token.locator('summary').first().click();
    // The first showing of the token is copied in on opening (the page holds it once).
    await token.locator('pre').first().waitFor();
    assert.match(await token.textContent(), /"sub":/);
    assert.ok((await token.locator('ul.ck > li').count()) > 0, 'verdicts beside the claim');
    // A shared body, opened in place, shows its content there.
    const shared = page.locator('details.shb').first();
    assert.ok((await shared.count()) > 0, 'the discovery document is a shared body');
    {
      const id = await shared.getAttribute('data-b');
      await shared.evaluate((d) => { d.closest('details.sc').open = true; d.parentElement.closest('details').open = true; });
      await shared.locator('summary').click({ position: { x: 5, y: 5 } });
      await shared.locator('pre').first().waitFor({ state: 'visible' });
      assert.equal(
        await shared.locator('pre').first().textContent(),
        await page.locator(`#b${id} > pre`).first().textContent(),
      );
    }
    // Sequence labels are whole: nothing is cut with an ellipsis.
    const labels = await sc.locator('svg.sq text').allTextContents();
    assert.ok(labels.length > 0 && labels.every((t) => !t.endsWith('…')), `${labels}`);
    check();
  } finally {
    await context.close();
  }
});

test('a passed scenario stored in a compressed chunk is drawn on opening, by click or by its link', async () => {
  const { context, page, url, check } = await open(fixtureReport);
  try {
    const sc = page.locator('details.sc[data-z]', { hasText: 'verifies every token' }).first();
    const [n] = (await sc.getAttribute('data-z')).split(':');
    assert.equal(await page.getAttribute(`#z${n}`, 'type'), 'application/octet-stream', 'the chunk is inert');
    assert.equal(await sc.getAttribute('data-s'), 'passed');
    await opensWithItsBody(sc);
    // Its exchanges, with copy as curl, and its sequence diagram.
    const exchanges = sc.locator("details:has(> button.curl)");
    assert.ok((await exchanges.count()) > 0, 'exchanges drawn');
    await exchanges.first().locator('summary').first().click();
    assert.ok(await exchanges.first().locator('> button.curl').isVisible(), 'copy as curl on a drawn exchange');
    assert.ok(await sc.locator('svg.sq').first().isVisible(), 'sequence diagram drawn');
    assert.ok((await sc.locator('svg.sq text').count()) > 0, 'sequence diagram labelled');
    assert.ok(!(await sc.textContent()).includes("drawn by the page's script"), 'the note is gone');
    // Closed and opened again: drawn once.
    await sc.locator('summary').first().click();
    await sc.locator('summary').first().click();
    assert.equal(await sc.locator(':scope > ol').count(), 1, 'drawn once');
    // Another scenario of a chunk, by its link: the page opens it and draws it.
    const other = await page.$eval('details.sc[data-z]:not([open])', (d) => d.id);
    await page.goto(`${url}#${other}`, { waitUntil: 'load' });
    const target = page.locator(`#${other}`);
    await target.locator(':scope > ol').first().waitFor({ state: 'visible' });
    assert.ok(await target.evaluate((d) => d.open), 'a link to a scenario opens it');
    check();
  } finally {
    await context.close();
  }
});

test('without JavaScript a failed scenario is shown whole', async () => {
  for (const file of [fixtureReport, goldenReport]) {
    const { context, page, check } = await open(file, { javaScriptEnabled: false });
    try {
      const failed = page.locator('details.sc[data-s="failed"]');
      assert.ok((await failed.count()) > 0, `${file}: no failure`);
      for (let i = 0; i < (await failed.count()); i++) {
        const sc = failed.nth(i);
        assert.equal(await sc.getAttribute('data-z'), null, 'a failure is never stored compactly');
        if (!(await sc.evaluate((d) => d.open))) await sc.locator('summary').first().click();
        assert.ok(await sc.locator(':scope > ol > li').first().isVisible(), 'steps shown');
        assert.ok(!(await sc.textContent()).includes("drawn by the page's script"));
        assert.ok(await sc.locator('pre.err').first().isVisible(), 'the failure shown');
        if ((await sc.locator('svg.sq').count()) > 0) assert.ok(await sc.locator('svg.sq').first().isVisible(), 'diagram shown');
      }
      if (file === goldenReport) {
        await failedCheckShowsExpectedAndActual(page.locator('details.sc', { hasText: 'Wrong audience' }).first());
      } else {
        await failureShowsExpectedAndActual(page);
      }
      check();
    } finally {
      await context.close();
    }
  }
});
