// html_test.mjs — opens linkkeeper's HTML report in the system's headless
// Chromium (through playwright-core, which downloads no browser) and checks
// what a person would: it loads without a console error, it asks for nothing
// but the file itself, hostile titles stay text, clicking a header sorts,
// the filters filter, and it fits a phone screen.
//
//   node html_test.mjs REPORT.html [SCREENSHOT.png [PHONE_SCREENSHOT.png]]
//
// Prints "ok"/"not ok" per check and closes with "html-report: N passed,
// N failed"; exits 1 when anything failed. CHROMIUM overrides the browser
// path (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [htmlPath, shotPath, phoneShotPath] = process.argv.slice(2);
if (!htmlPath) {
	console.error('usage: node html_test.mjs REPORT.html [SCREENSHOT.png [PHONE.png]]');
	process.exit(2);
}
const fileUrl = pathToFileURL(resolve(htmlPath)).href;

// A hung browser must not hang `make test`.
const watchdog = setTimeout(() => {
	console.error('html-report: timed out after 120 s');
	process.exit(1);
}, 120_000);

let passed = 0;
let failed = 0;
async function check(name, fn) {
	try {
		await fn();
		passed++;
		console.log(`ok - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok - ${name}: ${e && e.message ? e.message : e}`);
	}
}
function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}
function sameArray(a, b) {
	return a.length === b.length && a.every((x, i) => x === b[i]);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'lk-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	headless: true,
	args: [
		'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync',
	],
	viewport: { width: 1280, height: 900 },
	timeout: 60_000,
});

// Every request the page makes is recorded; anything but the report itself
// is also aborted, so a regression fails here instead of reaching a network.
const requests = [];
const consoleErrors = [];
const dialogs = [];
context.on('request', (req) => requests.push(req.url()));
await context.route('**/*', (route) => {
	const url = route.request().url();
	return url === fileUrl ? route.continue() : route.abort();
});
const page = context.pages()[0] || (await context.newPage());
page.on('console', (m) => {
	if (m.type() === 'error') consoleErrors.push(m.text());
});
page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
page.on('websocket', (ws) => requests.push(ws.url()));
page.on('dialog', (d) => {
	dialogs.push(d.message());
	d.dismiss().catch(() => {});
});

async function open() {
	await page.goto(fileUrl, { waitUntil: 'load' });
	// Give late loads (images, fonts, prefetches) a moment to show up.
	await page.waitForTimeout(300);
}

// Keys of the visible rows' cells in column `col`.
async function columnKeys(col) {
	return page.$$eval(
		'#links tbody tr:not([hidden])',
		(rows, c) => rows.map((r) => {
			const k = r.cells[c].getAttribute('data-k');
			return k === null ? r.cells[c].textContent.trim() : k;
		}),
		col,
	);
}
async function headerIndex(label) {
	return page.$$eval('#links thead th', (ths, l) => ths.findIndex((th) => th.textContent.trim() === l), label);
}
async function visibleRows() {
	return page.$$eval('#links tbody tr:not([hidden])', (rows) =>
		rows.map((r) => ({ state: r.dataset.state, failing: r.dataset.failing, text: r.textContent })));
}

await open();

await check('loads without console errors', async () => {
	assert(consoleErrors.length === 0, consoleErrors.join(' | '));
});

await check('dead links come first', async () => {
	const rows = await visibleRows();
	const firstLive = rows.findIndex((r) => r.failing !== '1');
	assert(firstLive > 0, 'no dead link at the top');
	assert(rows.slice(firstLive).every((r) => r.failing !== '1'), 'a dead link after a live one');
});

await check('a title with <script> shows as text', async () => {
	const titles = await page.$$eval('.title', (els) => els.map((e) => e.textContent));
	assert(titles.includes('Release notes <script>alert("xss")</script>'),
		`titles: ${JSON.stringify(titles)}`);
	assert(titles.some((t) => t.startsWith('<img src="x.png"')), 'the <img> title is not text');
	const scripts = await page.evaluate(() => document.scripts.length);
	assert(scripts === 1, `${scripts} script elements, expected only the report's own`);
	const imgs = await page.evaluate(() => document.images.length);
	assert(imgs === 0, `${imgs} img elements`);
	assert(dialogs.length === 0, `dialogs opened: ${dialogs.join(', ')}`);
});

await check('only http(s) URLs are links', async () => {
	const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
	assert(hrefs.length > 0, 'no links at all');
	assert(hrefs.every((h) => /^https?:\/\//.test(h)), `hrefs: ${hrefs.join(', ')}`);
});

await check('clicking a header sorts the table', async () => {
	const col = await headerIndex('Link');
	const th = page.locator('#links thead th').nth(col);
	await th.click();
	const up = await columnKeys(col);
	assert(sameArray(up, [...up].sort()), `not ascending: ${up.join(' ')}`);
	assert((await th.getAttribute('aria-sort')) === 'ascending', 'aria-sort not ascending');
	await th.click();
	const down = await columnKeys(col);
	assert(sameArray(down, [...up].reverse()), `not descending: ${down.join(' ')}`);
	assert((await th.getAttribute('aria-sort')) === 'descending', 'aria-sort not descending');
});

await check('numeric columns sort by value, empty cells last', async () => {
	const col = await headerIndex('Uptime');
	await page.locator('#links thead th').nth(col).click();
	const keys = await columnKeys(col);
	const nums = keys.filter((k) => k !== '').map(Number);
	assert(nums.every((v, i) => i === 0 || nums[i - 1] <= v), `not ascending: ${keys.join(' ')}`);
	const firstEmpty = keys.indexOf('');
	assert(firstEmpty === -1 || keys.slice(firstEmpty).every((k) => k === ''), `empty not last: ${keys.join(' ')}`);
});

await check('the text box filters rows', async () => {
	await page.fill('#q', 'faq.md');
	const rows = await visibleRows();
	assert(rows.length === 3, `${rows.length} rows shown for "faq.md"`);
	assert(rows.every((r) => r.text.includes('docs/faq.md')), 'a row without faq.md is shown');
	const shown = await page.textContent('#shown');
	assert(shown === '3 of 12 links shown', `counter says "${shown}"`);
	await page.fill('#q', '');
	assert((await visibleRows()).length === 12, 'clearing the filter does not show every row');
});

await check('the state menu and the state cards filter rows', async () => {
	await page.selectOption('#state', 'failing');
	const dead = await visibleRows();
	assert(dead.length === 5 && dead.every((r) => r.failing === '1'), `${dead.length} rows for "broken now"`);
	await page.selectOption('#state', 'flaky');
	const flaky = await visibleRows();
	assert(flaky.length === 1 && flaky[0].state === 'flaky', `${flaky.length} rows for flaky`);
	await page.selectOption('#state', '');
	await page.click('.card[data-state="recovered"]');
	const recovered = await visibleRows();
	assert(recovered.length === 1 && recovered[0].state === 'recovered', 'the recovered card does not filter');
	await page.click('.card[data-state="recovered"]');
	assert((await visibleRows()).length === 12, 'a second click on the card does not clear the filter');
});

await check('every check has a history cell with its date', async () => {
	const titles = await page.$$eval('.strip i', (is) => is.map((i) => i.getAttribute('title')));
	assert(titles.length > 0, 'no history cells');
	assert(titles.every((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (ok|broken|excluded|cached)/.test(t)),
		`bad tooltip: ${titles.find((t) => !/^\d{4}-/.test(t))}`);
});

if (shotPath) {
	await open();
	await page.screenshot({ path: shotPath, fullPage: true });
}

await check('fits a phone screen', async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	await open();
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert(overflow <= 0, `${overflow}px wider than the screen`);
	if (phoneShotPath) await page.screenshot({ path: phoneShotPath, fullPage: false });
	const col = await headerIndex('Failures');
	await page.locator('#links thead th').nth(col).click();
	const keys = (await columnKeys(col)).map(Number);
	assert(keys.every((v, i) => i === 0 || keys[i - 1] <= v), 'header buttons do not sort on a phone');
});

await check('requests nothing but the report itself', async () => {
	const others = requests.filter((u) => u !== fileUrl);
	assert(requests.length > 0, 'no request seen at all: the observer is broken');
	assert(others.length === 0, `requested: ${others.join(', ')}`);
	assert(consoleErrors.length === 0, consoleErrors.join(' | '));
});

await context.close();
rmSync(userDataDir, { recursive: true, force: true });
clearTimeout(watchdog);
console.log(`html-report: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
