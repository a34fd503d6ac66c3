#!/usr/bin/env node
// The HTML view looked at as a person would: `parseltongue export --format
// html` pages opened in headless Chromium (Debian's chromium, driven by
// playwright-core from build/viewer), checked in the DOM once the layout is
// done, clicked, searched and zoomed, and photographed.
//
// usage: node tests/viewer.mjs path/to/parseltongue [--out DIR] [--keep]
//
// The expectations are written by hand from the Rust source of
// tests/fixtures/ws1 (line numbers in the comments), never from our output.
// Screenshots go to DIR (default build/test-out/viewer). Prints "ok ID" or
// "FAIL ID: why" per check and ends with "N passed, M failed"; the exit
// status is 0 only when nothing failed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const require = createRequire(path.join(REPO, 'build', 'viewer', 'package.json'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The pages here are small: drawn in well under a second.
const READY_MS = 20000;

// ---- the hand-written truth (tests/fixtures/ws1) ------------------------------

// blast-radius geom::point::Point::new, --depth 3 (the default): each item
// with its distance, from the calls in the source.
const BLAST = {
	'geom::point::Point::new': 0,
	'geom::point::Point::distance': 1, // point.rs:24 Point::new(..)
	'geom::point::origin': 1, // point.rs:36
	'shapes::edge::chained': 1, // edge.rs:9
	'shapes::edge::self_literal': 1, // edge.rs:40 Point::new(0.0, 0.0)
	'shapes::measure::literal_area': 1, // measure.rs:83
	'app_cli::main': 1, // main.rs:30
	'shapes::edge::self_path': 2, // edge.rs:59 self::chained()
	'shapes::shape::circle::Circle::unit': 2, // circle.rs:17 geom::prelude::origin()
	'shapes::shape::Shape::new': 3, // shape.rs:15 Circle::unit()
	// not shapes::measure::shape_area (measure.rs:77 Shape::new()): distance 4
};
const BLAST_EDGES = [
	['geom::point::Point::distance', 'geom::point::Point::new'],
	['geom::point::origin', 'geom::point::Point::new'],
	['shapes::edge::chained', 'geom::point::Point::new'],
	['shapes::edge::self_literal', 'geom::point::Point::new'],
	['shapes::edge::self_literal', 'geom::point::Point::distance'], // edge.rs:40 p.distance(..)
	['shapes::measure::literal_area', 'geom::point::Point::new'],
	['app_cli::main', 'geom::point::Point::new'],
	['shapes::edge::self_path', 'shapes::edge::chained'],
	['shapes::shape::circle::Circle::unit', 'geom::point::origin'],
	['shapes::shape::Shape::new', 'shapes::shape::circle::Circle::unit'],
];

// find-cycles: geom::cycle_a and geom::cycle_b use each other (cycle_a.rs:1,
// cycle_b.rs:1), and ping and pong call each other (cycle_a.rs:7, cycle_b.rs:7).
const CYCLES = [['geom::cycle_a', 'geom::cycle_b'], ['geom::cycle_a::ping', 'geom::cycle_b::pong']];

// --level module: the crates and every module of the source.
const MODULES = [
	'geom', 'shapes', 'app_cli',
	'geom::point', 'geom::traits', 'geom::vector', 'geom::vector::ops', 'geom::vector::ops::inner',
	'geom::vector::ops::inner::deeper', 'geom::util', 'geom::cycle_a', 'geom::cycle_b', 'geom::prelude',
	'shapes::iter', 'shapes::measure', 'shapes::shape', 'shapes::shape::circle', 'shapes::shape::rect',
	'shapes::edge', 'app_cli::report', 'app_cli::cli', 'app_cli::cli::nested',
];
const MODULE_EDGES = [
	['geom::point', 'geom::util'], // point.rs:2 use crate::util::square
	['geom', 'geom::util'], // lib.rs:25 util::clamp_u32
	['geom::vector', 'geom::vector::ops'], // vector/mod.rs:22 dot(..)
	['geom::vector::ops::inner::deeper', 'geom::vector::ops'], // ops.rs:17 super::super::scale
	['shapes::shape::circle', 'geom::point'], // circle.rs:2 use geom::Point
	['shapes::shape::circle', 'geom::traits'], // circle.rs:1
	['app_cli', 'shapes::measure'], // main.rs:32 area_of(&c)
	['app_cli', 'app_cli::report'], // main.rs:40 report::print_report
	['geom::cycle_a', 'geom::cycle_b'],
	['geom::cycle_b', 'geom::cycle_a'],
];

// Files an attacker may name, and a signature holding markup.
const HOSTILE_FILES = {
	'a<!--b<script>c.rs':
		'pub fn evil(_: [u8; "</script><script>alert(1)</script>\u2028".len()]) -> u32 { 1 }\n',
	'q"\'&x.rs': 'pub fn call() -> u32 { 2 }\n',
	'sep\u2028line.rs': 'pub fn helper() -> u32 { 2 }\npub fn user() -> u32 { helper() }\n',
};
const EVIL_SIG = 'pub fn evil(_: [u8; "</script><script>alert(1)</script>\u2028".len()]) -> u32';

// ---- running ---------------------------------------------------------------------

let passed = 0;
let failed = 0;
function check(id, ok, why = '', detail = []) {
	if (ok) {
		passed++;
		console.log(`ok ${id}`);
	} else {
		failed++;
		console.log(`FAIL ${id}: ${why}`);
		for (const d of detail) console.log(`    ${typeof d === 'string' ? d : JSON.stringify(d)}`);
	}
	return ok;
}

function run(bin, args, cwd) {
	const env = { ...process.env };
	delete env.PARSELTONGUE_DB;
	return execFileSync(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

const sameSet = (a, b) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
const missing = (want, got) => want.filter((x) => !got.includes(x));

// What the page draws, read back from the DOM: every node's path, labels,
// classes, box on the screen and border colour; every edge's ends (as
// paths), classes, colour and where its line starts and ends on the screen.
async function drawn(page) {
	return page.evaluate(() => {
		const rect = (r) => ({ x: r.x, y: r.y, w: r.width, h: r.height, cx: r.x + r.width / 2, cy: r.y + r.height / 2 });
		const nodes = [...document.querySelectorAll('svg g.node')].map((g) => ({
			id: g.dataset.id,
			path: g.dataset.path,
			name: g.querySelector('text.name').textContent,
			sub: g.querySelector('text.sub').textContent,
			cls: g.getAttribute('class').split(' '),
			cycle: g.dataset.cycle,
			stroke: getComputedStyle(g.querySelector('rect')).stroke,
			box: rect(g.querySelector('rect').getBoundingClientRect()),
		}));
		const byId = new Map(nodes.map((n) => [n.id, n.path]));
		const edges = [...document.querySelectorAll('svg g.edge')].map((g) => {
			const p = g.querySelector('path');
			const m = p.getScreenCTM();
			const len = p.getTotalLength();
			const at = (l) => {
				const q = p.getPointAtLength(l);
				return { x: m.a * q.x + m.c * q.y + m.e, y: m.b * q.x + m.d * q.y + m.f };
			};
			return {
				from: byId.get(g.dataset.from),
				to: byId.get(g.dataset.to),
				cls: g.getAttribute('class').split(' '),
				stroke: getComputedStyle(p).stroke,
				len,
				start: at(0),
				end: at(len),
			};
		});
		const vp = document.querySelector('svg g.viewport').getAttribute('transform');
		return { nodes, edges, viewport: vp, svg: rect(document.getElementById('graph').getBoundingClientRect()) };
	});
}

// Opens a page and waits for the drawing; records what a person would see
// go wrong (script errors, console errors, dialogs, any request that leaves
// the file).
async function open(tag, browser, file, log) {
	const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
	page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
	page.on('console', (m) => m.type() === 'error' && log.push(`console: ${m.text()}`));
	page.on('dialog', (d) => {
		log.push(`dialog: ${d.message()}`);
		d.dismiss();
	});
	page.on('request', (r) => !r.url().startsWith('file:') && log.push(`request: ${r.url()}`));
	await page.goto(`file://${file}`);
	try {
		await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: READY_MS });
	} catch (e) {
		check(`${tag}/drawn`, false, `not drawn within ${READY_MS / 1000} s`, log);
		await page.close();
		return null;
	}
	return page;
}

const near = (p, b, tol = 4) => p.x >= b.x - tol && p.x <= b.x + b.w + tol && p.y >= b.y - tol && p.y <= b.y + b.h + tol;

// Common to every page: drawn without errors, every box inside the window
// after Fit and clear of the others, every edge a line from its source's
// box to its target's.
async function checkDrawn(tag, page, log) {
	const err = await page.evaluate(() => document.documentElement.dataset.error || '');
	check(`${tag}/no-error`, !err && !log.length, 'the page reported problems', [err, ...log]);
	await page.click('#fit');
	const d = await drawn(page);
	const outside = d.nodes.filter((n) => n.box.w < 10 || n.box.x < d.svg.x - 1 || n.box.y < d.svg.y - 1 ||
		n.box.x + n.box.w > d.svg.x + d.svg.w + 1 || n.box.y + n.box.h > d.svg.y + d.svg.h + 1);
	check(`${tag}/nodes-in-window`, !outside.length, 'boxes outside the window after Fit', outside.map((n) => n.path));
	const overlaps = [];
	for (let i = 0; i < d.nodes.length; i++)
		for (let j = i + 1; j < d.nodes.length; j++) {
			const a = d.nodes[i].box, b = d.nodes[j].box;
			if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) overlaps.push([d.nodes[i].path, d.nodes[j].path]);
		}
	check(`${tag}/no-overlaps`, !overlaps.length, 'boxes drawn over each other', overlaps);
	const box = new Map(d.nodes.map((n) => [n.path, n.box]));
	const loose = d.edges.filter((e) => e.from !== e.to && (!(e.len > 5) || !near(e.start, box.get(e.from)) || !near(e.end, box.get(e.to))));
	check(`${tag}/edges-join-their-boxes`, !loose.length, 'edges that do not run from box to box', loose.map((e) => `${e.from} -> ${e.to}`));
	return d;
}

async function checkBlast(browser, file, outDir) {
	const log = [];
	const page = await open('blast', browser, file, log);
	if (!page) return;
	const d = await checkDrawn('blast', page, log);
	const paths = d.nodes.map((n) => n.path);
	check('blast/nodes', sameSet(paths, Object.keys(BLAST)), 'the nodes drawn', [
		`missing: ${missing(Object.keys(BLAST), paths)}`, `extra: ${missing(paths, Object.keys(BLAST))}`]);
	const edges = d.edges.map((e) => `${e.from} -> ${e.to}`);
	const want = BLAST_EDGES.map(([a, b]) => `${a} -> ${b}`);
	check('blast/edges', sameSet(edges, want), 'the edges drawn', [`missing: ${missing(want, edges)}`, `extra: ${missing(edges, want)}`]);
	const target = d.nodes.find((n) => n.path === 'geom::point::Point::new');
	check('blast/target-marked', target && target.cls.includes('target') && target.name === 'new', 'the target box', [target]);
	// Layered: each distance a row, the target on top.
	const y = (p) => d.nodes.find((n) => n.path === p)?.box.cy;
	const rows = [0, 1, 2, 3].map((k) => Object.keys(BLAST).filter((p) => BLAST[p] === k).map(y));
	const layered = rows.every((r) => r.every((v) => Math.abs(v - r[0]) < 1)) && rows.every((r, k) => !k || r[0] > rows[k - 1][0] + 10);
	check('blast/layers-by-distance', layered, 'one row per distance from the target, the target on top', rows);
	await page.screenshot({ path: path.join(outDir, 'blast-radius.png') });
	await checkClick(page);
	await checkSearch(page);
	await checkZoom(page);
	await page.close();
}

// A click on Shape::new: its place and signature (shape.rs:14), and the
// path from the target lit: Shape::new → Circle::unit → origin → Point::new.
async function checkClick(page) {
	const n = (await drawn(page)).nodes.find((x) => x.path === 'shapes::shape::Shape::new');
	await page.mouse.click(n.box.cx, n.box.cy);
	const panel = await page.evaluate(() => {
		const p = document.getElementById('details');
		return { hidden: p.hidden, loc: p.querySelector('.loc')?.textContent, sig: p.querySelector('.sig')?.textContent };
	});
	check('click/details', !panel.hidden && panel.loc === 'shapes/src/shape.rs:14:5' && panel.sig === 'pub fn new() -> Shape',
		'the details of Shape::new', [panel]);
	const d = await drawn(page);
	const lit = d.edges.filter((e) => e.cls.includes('on-path')).map((e) => `${e.from} -> ${e.to}`);
	const want = ['shapes::shape::Shape::new -> shapes::shape::circle::Circle::unit',
		'shapes::shape::circle::Circle::unit -> geom::point::origin', 'geom::point::origin -> geom::point::Point::new'];
	check('click/path-from-target', sameSet(lit, want), 'the path lit', lit);
	const onPath = d.nodes.filter((x) => x.cls.includes('on-path')).map((x) => x.path);
	check('click/path-nodes', sameSet(onPath, ['shapes::shape::Shape::new', 'shapes::shape::circle::Circle::unit',
		'geom::point::origin', 'geom::point::Point::new']), 'the nodes lit', onPath);
	await page.keyboard.press('Escape');
	check('click/escape-closes', await page.evaluate(() => document.getElementById('details').hidden), 'Escape leaves the panel open');
}

// Searching "dist" finds Point::distance (point.rs:23); Enter selects it.
async function checkSearch(page) {
	await page.fill('#search', 'dist');
	const d = await drawn(page);
	const hits = d.nodes.filter((n) => n.cls.includes('match')).map((n) => n.path);
	check('search/matches', sameSet(hits, ['geom::point::Point::distance']), 'the matches of "dist"', hits);
	check('search/status', (await page.textContent('#search-status')) === '1 match', 'the count shown');
	await page.press('#search', 'Enter');
	const loc = await page.textContent('#details .loc');
	check('search/enter-selects', loc === 'geom/src/point.rs:23:5', 'Enter shows the match', [loc]);
	await page.press('#search', 'Escape');
}

async function checkZoom(page) {
	const scale = async () => {
		const t = await page.getAttribute('svg g.viewport', 'transform');
		const m = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([-\d.e]+)\)/.exec(t);
		return m ? { x: +m[1], y: +m[2], k: +m[3] } : null;
	};
	const a = await scale();
	await page.click('#zoom-in');
	const b = await scale();
	check('zoom/button', a && b && b.k > a.k * 1.1, 'zoom in did not zoom', [a, b]);
	const box = await page.locator('#graph').boundingBox();
	await page.mouse.move(box.x + 20, box.y + 20);
	await page.mouse.down();
	await page.mouse.move(box.x + 140, box.y + 90, { steps: 5 });
	await page.mouse.up();
	const c = await scale();
	check('zoom/drag-pans', c && Math.abs(c.x - b.x - 120) < 2 && Math.abs(c.y - b.y - 70) < 2, 'a drag did not pan by its distance', [b, c]);
	await page.mouse.wheel(0, -300);
	await page.waitForTimeout(100);
	const w = await scale();
	check('zoom/wheel', w && w.k > c.k, 'the wheel did not zoom', [c, w]);
}

async function checkCycles(browser, file, outDir) {
	const log = [];
	const page = await open('cycles', browser, file, log);
	if (!page) return;
	const d = await checkDrawn('cycles', page, log);
	check('cycles/nodes', sameSet(d.nodes.map((n) => n.path), CYCLES.flat()), 'the nodes drawn', d.nodes.map((n) => n.path));
	const edges = d.edges.map((e) => `${e.from} -> ${e.to}`);
	const want = CYCLES.flatMap(([a, b]) => [`${a} -> ${b}`, `${b} -> ${a}`]);
	check('cycles/edges', sameSet(edges, want), 'the edges drawn', edges);
	const of = (p) => d.nodes.find((n) => n.path === p);
	const [m1, m2] = CYCLES[0].map(of), [f1, f2] = CYCLES[1].map(of);
	check('cycles/coloured', [m1, m2, f1, f2].every((n) => n && n.cls.includes('in-cycle')) &&
		m1.stroke === m2.stroke && f1.stroke === f2.stroke && m1.stroke !== f1.stroke && m1.cycle !== f1.cycle,
	'each cycle its own colour', [m1, m2, f1, f2].map((n) => n && [n.path, n.stroke, n.cycle]));
	const red = (s) => /^rgb\((\d+), (\d+), (\d+)\)$/.exec(s);
	const warm = [m1, f1].every((n) => { const c = red(n.stroke); return c && +c[1] > 150 && +c[3] < 160; });
	check('cycles/warm-colours', warm, 'cycle members are drawn in reds and oranges', [m1.stroke, f1.stroke]);
	const edgeOk = d.edges.every((e) => e.cls.includes('cycle') && e.stroke === of(e.from).stroke);
	check('cycles/edges-coloured', edgeOk, 'cycle edges take their cycle colour', d.edges.map((e) => [e.from, e.stroke]));
	await page.screenshot({ path: path.join(outDir, 'cycles.png') });
	await page.close();
}

async function checkModules(browser, file, outDir) {
	const log = [];
	const page = await open('modules', browser, file, log);
	if (!page) return;
	const d = await checkDrawn('modules', page, log);
	const paths = d.nodes.map((n) => n.path);
	check('modules/nodes', sameSet(paths, MODULES), 'the modules drawn', [`missing: ${missing(MODULES, paths)}`, `extra: ${missing(paths, MODULES)}`]);
	const edges = d.edges.map((e) => `${e.from} -> ${e.to}`);
	const want = MODULE_EDGES.map(([a, b]) => `${a} -> ${b}`);
	check('modules/edges', !missing(want, edges).length, 'dependencies missing', missing(want, edges));
	check('modules/util-depends-on-nothing', !d.edges.some((e) => e.from === 'geom::util'), 'geom::util uses nothing');
	const inCycle = d.nodes.filter((n) => n.cls.includes('in-cycle')).map((n) => n.path);
	check('modules/cycle', sameSet(inCycle, CYCLES[0]), 'the one module cycle', inCycle);
	const names = d.nodes.filter((n) => n.name !== n.path).map((n) => [n.path, n.name]);
	check('modules/labelled-by-path', !names.length, 'module boxes show the whole path', names);
	await page.screenshot({ path: path.join(outDir, 'modules.png') });
	await page.close();
}

// In VS Code's webview (acquireVsCodeApi defined), a click on a location
// asks the editor to open it: shape.rs line 14, column 5 for Shape::new.
async function checkWebview(browser, file) {
	const log = [];
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	await ctx.addInitScript(() => {
		window.posted = [];
		window.acquireVsCodeApi = () => ({ postMessage: (m) => window.posted.push(m) });
	});
	const page = await ctx.newPage();
	page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
	await page.goto(`file://${file}`);
	await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: READY_MS });
	await page.click('#fit');
	const n = (await drawn(page)).nodes.find((x) => x.path === 'shapes::shape::Shape::new');
	await page.mouse.click(n.box.cx, n.box.cy);
	const before = page.url();
	await page.click('#details .loc');
	const posted = await page.evaluate(() => window.posted);
	check('webview/click-opens-in-editor', !log.length && page.url() === before && posted.length === 1 &&
		JSON.stringify(posted[0]) === JSON.stringify({ type: 'open', file: 'shapes/src/shape.rs', line: 14, column: 5 }),
	'the message the editor gets', [posted, log]);
	await ctx.close();
}

async function checkHostile(browser, file, outDir) {
	const log = [];
	const page = await open('hostile', browser, file, log);
	if (!page) return;
	await checkDrawn('hostile', page, log);
	const scripts = await page.evaluate(() => document.scripts.length);
	check('hostile/no-injected-script', scripts === 2, 'script elements in the page', [scripts]);
	const d = await drawn(page);
	const evil = d.nodes.find((n) => n.name === 'evil');
	const mod = (stem) => d.nodes.some((n) => n.sub.includes(stem));
	check('hostile/names-drawn-as-text', evil && mod('sep\u2028line') && mod('q"\'&x'), 'hostile names come back as text',
		d.nodes.map((n) => [n.name, n.sub]));
	await page.mouse.click(evil.box.cx, evil.box.cy);
	const panel = await page.evaluate(() => ({
		loc: document.querySelector('#details .loc')?.textContent,
		sig: document.querySelector('#details .sig')?.textContent,
	}));
	check('hostile/details-exact', panel.loc === 'a<!--b<script>c.rs:1:1' && panel.sig === EVIL_SIG,
		'the file name and signature as written', [panel]);
	await page.screenshot({ path: path.join(outDir, 'hostile.png') });
	await page.close();
}

async function main() {
	const args = process.argv.slice(2);
	const bin = path.resolve(args.find((a) => !a.startsWith('--')) || path.join(REPO, 'build', 'parseltongue'));
	const oi = args.indexOf('--out');
	const outDir = path.resolve(oi >= 0 ? args[oi + 1] : path.join(REPO, 'build', 'test-out', 'viewer'));
	fs.mkdirSync(outDir, { recursive: true });
	const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pt-viewer-')));
	const ws = path.join(work, 'ws1');
	fs.cpSync(path.join(REPO, 'tests', 'fixtures', 'ws1'), ws, { recursive: true });
	const hx = path.join(work, 'hostile');
	fs.mkdirSync(hx);
	for (const [name, body] of Object.entries(HOSTILE_FILES)) fs.writeFileSync(path.join(hx, name), body);
	const pages = {
		blast: ['--query', 'blast-radius', 'Point::new'],
		cycles: ['--query', 'find-cycles'],
		modules: ['--level', 'module'],
	};
	let browser;
	try {
		run(bin, ['onboard', ws, '--quiet']);
		run(bin, ['onboard', hx, '--quiet']);
		for (const [k, a] of Object.entries(pages)) run(bin, ['export', '--format', 'html', ...a, '-o', path.join(work, `${k}.html`)], ws);
		run(bin, ['export', '--format', 'html', '-o', path.join(work, 'hostile.html')], hx);
		const { chromium } = require('playwright-core');
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
				'--no-first-run', '--disable-sync'],
		});
		await checkBlast(browser, path.join(work, 'blast.html'), outDir);
		await checkWebview(browser, path.join(work, 'blast.html'));
		await checkCycles(browser, path.join(work, 'cycles.html'), outDir);
		await checkModules(browser, path.join(work, 'modules.html'), outDir);
		await checkHostile(browser, path.join(work, 'hostile.html'), outDir);
	} catch (e) {
		check('viewer/run', false, e.stack || String(e), [e.stderr ? e.stderr.toString() : '']);
	} finally {
		if (browser) await browser.close();
		if (args.includes('--keep')) console.log(`kept ${work}`);
		else fs.rmSync(work, { recursive: true, force: true });
	}
	console.log(`screenshots in ${outDir}`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
