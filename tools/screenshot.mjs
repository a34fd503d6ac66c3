#!/usr/bin/env node
// A screenshot of a page `parseltongue export --format html` wrote, as a
// person sees it once the drawing is done (headless Chromium, Debian's
// chromium, driven by playwright-core from build/viewer).
//
// usage: node tools/screenshot.mjs PAGE.html OUT.png [WIDTHxHEIGHT]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(REPO, 'build', 'viewer', 'package.json'));
const { chromium } = require('playwright-core');

const [page, out, size = '1280x760'] = process.argv.slice(2);
if (!page || !out) {
	console.error('usage: node tools/screenshot.mjs PAGE.html OUT.png [WIDTHxHEIGHT]');
	process.exit(2);
}
const [width, height] = size.split('x').map(Number);
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
		'--no-first-run', '--disable-sync'],
});
try {
	const tab = await browser.newPage({ viewport: { width, height } });
	await tab.goto(`file://${path.resolve(page)}`);
	await tab.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 120000 });
	const err = await tab.evaluate(() => document.documentElement.dataset.error);
	if (err) throw new Error(`the page could not draw its graph: ${err}`);
	await tab.screenshot({ path: out });
} finally {
	await browser.close();
}
