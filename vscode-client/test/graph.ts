/**
 * The graph view's plumbing (src/graph.ts) against the REAL binary: the
 * target and arguments the extension builds must make `parseltongue
 * export --format html` draw what the commands ask for, and a click
 * message from the page must open only files inside the folder.
 * Expectations are written by hand from tests/fixtures/ws1's Rust code.
 *
 * usage: node out/test/graph.js BINARY
 * Last line: "N passed, M failed"; exit status 0 iff M == 0.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { entityTarget, exportArgs, openRequest, rootFor } from '../src/graph';
import type { Entity, RootStats, StatsResult } from '../src/protocol';

const ROOT = path.resolve(__dirname, '..', '..', '..');          // vscode-client/out/test → repo

let passed = 0;
let failed = 0;

function check(name: string, cond: unknown, detail?: unknown): boolean {
    if (cond) {
        passed++;
        console.log(`ok   ${name}`);
    } else {
        failed++;
        const d = detail === undefined ? '' : ': ' + JSON.stringify(detail).slice(0, 800);
        console.log(`FAIL ${name}${d}`);
    }
    return !!cond;
}

interface PageGraph { view: string; title: string; targets: string[]; nodes: { id: string; path: string }[]; edges: unknown[] }

/** The graph a page carries (the JSON block cli/export_html.c writes). */
function pageGraph(html: string): PageGraph {
    const m = /<script type="application\/json" id="pt-graph">([^<]*)<\/script>/.exec(html);
    if (!m) throw new Error('no graph in the page');
    return JSON.parse(m[1]) as PageGraph;
}

function root(r: string, db: string): RootStats {
    return { root: r, database: db } as RootStats;
}

function checkPure(): void {
    const stats = { roots: [root('/w', '/db0'), root('/w/inner', '/db1')] } as StatsResult;
    check('rootFor: the deepest folder holding the file', rootFor(stats, '/w/inner/src/a.rs')?.database === '/db1');
    check('rootFor: ... or the outer one', rootFor(stats, '/w/src/a.rs')?.database === '/db0');
    check('rootFor: none for a file elsewhere', rootFor(stats, '/elsewhere/a.rs') === undefined && rootFor(null, '/w') === undefined);
    const ok = openRequest({ type: 'open', file: 'geom/src/point.rs', line: 11, column: 12 }, '/w');
    check('openRequest: a location in the folder', ok?.file === '/w/geom/src/point.rs' && ok.line === 11 && ok.column === 12, ok);
    check('openRequest: no file outside the folder', openRequest({ type: 'open', file: '../../etc/passwd', line: 1 }, '/w') === undefined &&
        openRequest({ type: 'open', file: '/etc/passwd', line: 1 }, '/w') === undefined);
    check('openRequest: other messages are ignored', openRequest({ type: 'other', file: 'a.rs' }, '/w') === undefined &&
        openRequest({ type: 'open', file: 3 }, '/w') === undefined && openRequest(null, '/w') === undefined);
    const d = openRequest({ type: 'open', file: 'a.rs', line: -4, column: 'x' }, '/w');
    check('openRequest: a bad line or column is the file\'s start', d?.line === 1 && d.column === 1, d);
    let threw = false;
    try { exportArgs('blast-radius', '/db'); } catch { threw = true; }
    check('exportArgs: a blast radius needs a target', threw);
}

function main(): void {
    const bin = path.resolve(process.argv[2] ?? path.join(ROOT, 'build', 'parseltongue'));
    checkPure();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-graph-'));
    try {
        const ws = path.join(tmp, 'ws1');
        fs.cpSync(path.join(ROOT, 'tests', 'fixtures', 'ws1'), ws, { recursive: true });
        const db = path.join(tmp, 'db');
        execFileSync(bin, ['onboard', ws, '--db', db, '--quiet']);
        // Point::new, as the server names it: point.rs line 11 (0-based 10), the
        // name at column 12 (0-based 11).
        const at = { line: 10, character: 11 };
        const target: Entity = {
            id: '', name: 'new', kind: 'method', qualifiedName: 'geom::point::Point::new',
            uri: pathToFileURL(path.join(ws, 'geom', 'src', 'point.rs')).href, selectionRange: { start: at, end: at },
        };
        const t = entityTarget(ws, target);
        check('entityTarget: FILE:LINE:COL, relative and 1-based', t === 'geom/src/point.rs:11:12', t);
        check('entityTarget: none outside the folder', entityTarget(path.join(tmp, 'other'), target) === undefined);
        const html = execFileSync(bin, exportArgs('blast-radius', db, { target: t, depth: 3 }), { cwd: ws }).toString();
        const g = pageGraph(html);
        const paths = g.nodes.map(n => n.path).sort();
        // callers of Point::new within 3 hops (point.rs:24, 36; edge.rs:9, 40, 59;
        // measure.rs:83; main.rs:30; circle.rs:17; shape.rs:15)
        const want = ['app_cli::main', 'geom::point::Point::distance', 'geom::point::Point::new', 'geom::point::origin',
            'shapes::edge::chained', 'shapes::edge::self_literal', 'shapes::edge::self_path', 'shapes::measure::literal_area',
            'shapes::shape::Shape::new', 'shapes::shape::circle::Circle::unit'];
        check('blast radius page: the callers of Point::new within 3 hops', JSON.stringify(paths) === JSON.stringify(want), paths);
        check('blast radius page: its target and title', g.view === 'blast-radius' && g.targets.length === 1 &&
            g.nodes.find(n => n.id === g.targets[0])?.path === 'geom::point::Point::new' &&
            g.title === 'blast radius of geom::point::Point::new', [g.view, g.title]);
        const shallow = pageGraph(execFileSync(bin, exportArgs('blast-radius', db, { target: t, depth: 1 }), { cwd: ws }).toString());
        check('blast radius page: the depth setting is passed', shallow.nodes.length === 7, shallow.nodes.map(n => n.path));
        const cycles = pageGraph(execFileSync(bin, exportArgs('find-cycles', db), { cwd: ws }).toString());
        const members = cycles.nodes.map(n => n.path).sort();
        check('cycles page: cycle_a and cycle_b, ping and pong', JSON.stringify(members) ===
            JSON.stringify(['geom::cycle_a', 'geom::cycle_a::ping', 'geom::cycle_b', 'geom::cycle_b::pong']), members);
        let err = '';
        try {
            execFileSync(bin, exportArgs('blast-radius', db, { target: 'geom/src/nowhere.rs:1:1' }), { cwd: ws, stdio: 'pipe' });
        } catch (e) {
            err = String((e as { stderr?: Buffer }).stderr ?? '');
        }
        check('a target that names nothing: the binary says so', err.includes('matches no entity'), err);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

main();
