// Times how headless Chromium opens a report: first contentful paint, DOMContentLoaded, load,
// and the number of elements. Used by `cargo bench --bench report_scale`; not a test.
//
//   node tests/browser/open-timing.mjs reports/index.html   → one line of JSON

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const file = path.resolve(process.argv[2] || 'reports/index.html');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      fcp_ms: fcp ? Math.round(fcp.startTime) : null,
      dcl_ms: Math.round(nav.domContentLoadedEventEnd),
      load_ms: Math.round(nav.loadEventEnd),
      elements: document.getElementsByTagName('*').length,
    };
  });
  console.log(JSON.stringify(t));
} finally {
  await browser.close();
}
