/**
 * Integration test of the extension against the REAL server, without VS Code:
 * the server is started with the extension's own launch options
 * (protocol.serverLaunch), spoken to through vscode-languageserver-protocol /
 * vscode-jsonrpc (the libraries VS Code's client is built on), and asked the
 * requests the commands send (built by ./src/protocol, the module the commands
 * use). Expectations are written by hand from tests/fixtures/lsp1's Rust code
 * (0-based lines; utf-16 columns, the only encoding VS Code offers).
 *
 * usage: node out/test/integration.js BINARY [--keep]
 * Last line: "N passed, M failed"; exit status 0 iff M == 0.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
    createProtocolConnection, DidChangeWatchedFilesNotification, ExitNotification, InitializedNotification,
    InitializeParams, InitializeRequest, InitializeResult, ProtocolConnection, RegistrationRequest, ShutdownRequest,
    StreamMessageReader, StreamMessageWriter, WorkDoneProgressCreateRequest,
} from 'vscode-languageserver-protocol/node';
import * as P from '../src/protocol';

const ROOT = path.resolve(__dirname, '..', '..', '..');          // vscode-client/out/test → repo
const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'lsp1');
const TIMEOUT_MS = Number(process.env.LSP_TEST_TIMEOUT ?? '20') * 1000;

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

function sleep(ms: number): Promise<void> {
    return new Promise(r => setTimeout(r, ms));
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => { t = setTimeout(() => rej(new Error(`timeout: ${what}`)), ms); });
    try { return await Promise.race([p, timeout]); } finally { clearTimeout(t); }
}

function uriOf(p: string): string {
    return pathToFileURL(p).href;
}

/** One server process, started exactly as the extension starts it. */
class Session {
    readonly conn: ProtocolConnection;
    readonly proc: ChildProcess;
    readonly launch: P.Launch;
    readonly progress: { token: string | number; kind: string }[] = [];
    readonly registrations: string[] = [];
    lensRefreshes = 0;
    stderr = '';
    exitCode: number | null | undefined = undefined;

    constructor(settings: P.Settings, work: string) {
        this.launch = P.serverLaunch(settings, { workspaceFolders: [work], env: process.env });
        this.proc = spawn(this.launch.command, this.launch.args, { ...this.launch.options, stdio: ['pipe', 'pipe', 'pipe'] });
        this.proc.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString(); });
        this.proc.on('exit', code => { this.exitCode = code; });
        this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
        // what VS Code's client answers to the server's own requests
        this.conn.onRequest(RegistrationRequest.type, p => { this.registrations.push(...p.registrations.map(r => r.method)); return undefined; });
        this.conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
        this.conn.onRequest('workspace/diagnostic/refresh', () => null);
        this.conn.onRequest('workspace/codeLens/refresh', () => { this.lensRefreshes++; return null; });
        this.conn.onNotification('$/progress', (p: { token: string | number; value: { kind: string } }) => {
            this.progress.push({ token: p.token, kind: p.value.kind });
        });
        this.conn.onNotification('textDocument/publishDiagnostics', () => undefined);
        this.conn.onNotification('window/logMessage', () => undefined);
        this.conn.listen();
    }

    async initialize(work: string): Promise<InitializeResult> {
        const params: InitializeParams = {
            processId: process.pid,
            clientInfo: { name: 'Visual Studio Code (parseltongue integration test)' },
            rootUri: uriOf(work),
            workspaceFolders: [{ uri: uriOf(work), name: path.basename(work) }],
            capabilities: {
                general: { positionEncodings: ['utf-16'] },
                window: { workDoneProgress: true },
                workspace: {
                    workspaceFolders: true,
                    didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
                    diagnostics: { refreshSupport: true },
                    codeLens: { refreshSupport: true },
                    executeCommand: { dynamicRegistration: true },
                },
                textDocument: {
                    synchronization: { dynamicRegistration: true, didSave: true },
                    codeLens: { dynamicRegistration: true },
                    typeHierarchy: { dynamicRegistration: true },
                    diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
                    definition: { dynamicRegistration: true, linkSupport: true },
                    documentSymbol: { hierarchicalDocumentSymbolSupport: true },
                },
            },
        };
        // what the extension passes (parseltongue.codeLens.enable, default true)
        params.initializationOptions = P.initializationOptions(true);
        const r = await withTimeout(this.conn.sendRequest(InitializeRequest.type, params), TIMEOUT_MS, 'initialize');
        await this.conn.sendNotification(InitializedNotification.type, {});
        return r;
    }

    request<R>(method: string, params?: object): Promise<R | null> {
        return withTimeout(this.conn.sendRequest<R | null>(method, params), TIMEOUT_MS, method);
    }

    stats(): Promise<P.StatsResult | null> {
        return this.request<P.StatsResult>(P.Methods.stats, P.statsParams());
    }

    /** Polls parseltongue/stats (as the status bar does) until cond holds. */
    async statsUntil(cond: (s: P.StatsResult) => boolean, ms = TIMEOUT_MS): Promise<P.StatsResult | null> {
        const end = Date.now() + ms;
        let s: P.StatsResult | null = null;
        while (Date.now() < end) {
            s = await this.stats();
            if (s && cond(s)) return s;
            await sleep(100);
        }
        return s;
    }

    async close(): Promise<number | null | undefined> {
        try {
            await withTimeout(this.conn.sendRequest(ShutdownRequest.type), TIMEOUT_MS, 'shutdown');
            await this.conn.sendNotification(ExitNotification.type);
        } catch (e) {
            console.log(`  (close: ${String(e)})`);
        }
        const end = Date.now() + 5000;
        while (this.exitCode === undefined && Date.now() < end) await sleep(50);
        if (this.exitCode === undefined) this.proc.kill('SIGKILL');
        this.conn.dispose();
        return this.exitCode;
    }
}

const names = (items: { qualifiedName: string }[] | undefined) => (items ?? []).map(i => i.qualifiedName).sort();
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// ---- the pure module on its own (what the commands show) --------------------------

function testPure(): void {
    const ctx: P.LaunchContext = { workspaceFolders: ['/w/proj'], env: { PATH: '/bin', PARSELTONGUE_LSP_TEST: '1' }, homeDir: '/home/u' };
    let l = P.serverLaunch({ serverPath: '', databaseDirectory: '', extraArgs: [] }, ctx);
    check('launch: defaults', l.command === 'parseltongue' && same(l.args, ['--stdio']) && l.options.cwd === '/w/proj', l);
    check('launch: environment kept, test switch removed', l.options.env.PATH === '/bin' && !('PARSELTONGUE_LSP_TEST' in l.options.env), l.options.env);
    l = P.serverLaunch({ serverPath: '~/bin/parseltongue', databaseDirectory: '${workspaceFolder}/../db', extraArgs: ['--clientProcessId', '7'] }, ctx);
    check('launch: ~, ${workspaceFolder}, --db, extra arguments', l.command === '/home/u/bin/parseltongue' &&
        same(l.args, ['--stdio', '--db', '/w/db', '--clientProcessId', '7']), l);
    l = P.serverLaunch({ serverPath: 'build/parseltongue', databaseDirectory: 'idx' }, ctx);
    check('launch: relative paths from the first folder', l.command === '/w/proj/build/parseltongue' &&
        same(l.args, ['--stdio', '--db', '/w/proj/idx']), l);
    l = P.serverLaunch({ serverPath: '', databaseDirectory: '', extraArgs: [] }, { ...ctx, bundledServer: '/ext/server/parseltongue' });
    check('launch: serverPath unset → the shipped server', l.command === '/ext/server/parseltongue', l);
    l = P.serverLaunch({ serverPath: 'parseltongue', databaseDirectory: '', extraArgs: [] }, { ...ctx, bundledServer: '/ext/server/parseltongue' });
    check('launch: an explicit serverPath wins over the shipped server', l.command === 'parseltongue', l);
    check('bundledServer: server/parseltongue under the extension when executable, else none',
        P.bundledServer('/ext', f => f === '/ext/server/parseltongue') === '/ext/server/parseltongue' &&
        P.bundledServer('/ext', () => false) === undefined);
    check('showReferencesArgs: [uri, position, locations] checked', same(P.showReferencesArgs(['file:///a', { line: 1, character: 2 },
        [{ uri: 'file:///b', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } }, { bad: 1 }]]),
    { uri: 'file:///a', position: { line: 1, character: 2 }, locations: [{ uri: 'file:///b', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } }] }) &&
        P.showReferencesArgs([1, 2]) === undefined);
    check('features: auto with rust-analyzer drops its duplicates',
        same(P.droppedFeatures('auto', true).sort(), [...P.DUPLICATED_FEATURES].sort()) && P.droppedFeatures('auto', true).includes('textDocument/hover'));
    check('features: auto alone / all keep everything', P.droppedFeatures('auto', false).length === 0 && P.droppedFeatures('all', true).length === 0);
    check('features: diagnostics are never dropped', !P.droppedFeatures('minimal', true).some(m => m.includes('diagnostic')));
    check('reindex params: each root\'s Cargo.toml, changed', same(P.reindexParams(['file:///a', 'file:///b/']),
        { changes: [{ uri: 'file:///a/Cargo.toml', type: 2 }, { uri: 'file:///b/Cargo.toml', type: 2 }] }));
    check('formatCount / formatBytes', P.formatCount(1234567) === '1,234,567' && P.formatBytes(3 * 1024 * 1024) === '3.0 MiB');
    check('status: starting before any stats', P.indexState(undefined) === 'starting');
    const has = (f: string) => ['/opt/pt/bin/parseltongue', '/usr/bin/parseltongue'].includes(f);
    check('resolveCommand: bare names on PATH, first match', P.resolveCommand('parseltongue', '/nope:/opt/pt/bin:/usr/bin', has) === '/opt/pt/bin/parseltongue');
    check('resolveCommand: missing → undefined', P.resolveCommand('parseltongue', '/nope', has) === undefined &&
        P.resolveCommand('/x/parseltongue', '/usr/bin', has) === undefined);
    check('params: depth and tokens are clamped integers',
        P.blastRadiusParams('file:///x', { line: 1, character: 2 }, 2.4).depth === 2 &&
        P.generateContextParams('file:///x', { line: 0, character: 0 }, -5).tokens === 1);
}

// ---- the real server --------------------------------------------------------------

async function testServer(bin: string, tmp: string): Promise<void> {
    const work = path.join(tmp, 'lsp1');
    fs.cpSync(FIXTURE, work, { recursive: true });
    const lib = uriOf(path.join(work, 'src', 'lib.rs'));
    const shapes = uriOf(path.join(work, 'src', 'shapes.rs'));
    const root = uriOf(work);

    // Default settings except the binary: the database goes to <folder>/.cache/parseltongue.
    const s = new Session({ serverPath: bin, databaseDirectory: '', extraArgs: [] }, work);
    check('launch: the extension starts `BINARY --stdio`', same(s.launch.args, ['--stdio']) && s.launch.command === bin, s.launch);
    check('resolveCommand finds the real binary', P.resolveCommand(s.launch.command, process.env.PATH) === bin);
    const init = await s.initialize(work);
    const caps = init.capabilities as { experimental?: { parseltongue?: Record<string, unknown> }; positionEncoding?: string };
    const custom = Object.keys(caps.experimental?.parseltongue ?? {});
    check('initialize: every custom request the commands send is declared',
        ['blastRadius', 'whatImplements', 'findCycles', 'generateContext', 'stats'].every(m => custom.includes(m)), caps.experimental);
    check('initialize: utf-16 positions (VS Code)', caps.positionEncoding === 'utf-16', caps.positionEncoding);
    const allCaps = Object.values(P.CAPABILITY_OF);
    check('initialize: the features rust-analyzer also has are offered (the extension decides what to keep)',
        allCaps.every(k => k in init.capabilities), Object.keys(init.capabilities));
    const next = JSON.parse(JSON.stringify(init.capabilities)) as Record<string, unknown>;
    const removed = P.stripCapabilities(next, P.droppedFeatures('auto', true));
    check('next to rust-analyzer: its duplicates are stripped, diagnostics, sync and custom requests stay',
        same(removed.sort(), [...allCaps].sort()) && allCaps.every(k => !(k in next)) &&
        ['diagnosticProvider', 'textDocumentSync', 'experimental', 'workspace', 'positionEncoding'].every(k => k in next), next);
    const alone = JSON.parse(JSON.stringify(init.capabilities)) as Record<string, unknown>;
    check('without rust-analyzer: every capability stays', P.stripCapabilities(alone, P.droppedFeatures('auto', false)).length === 0 &&
        same(alone, init.capabilities));

    // Show Index Status / status bar
    let st = await s.statsUntil(x => P.indexState(x) === 'ready');
    check('stats: the folder becomes ready', st && P.indexState(st) === 'ready', st);
    check('stats: 5 files (4 .rs and Cargo.toml)', st?.files === 5, st?.files);
    check('stats: the default database is <folder>/.cache/parseltongue',
        st?.roots.length === 1 && st.roots[0].database === path.join(work, '.cache', 'parseltongue') && st.roots[0].root === root, st?.roots);
    check('stats: entities and edges counted', st && st.entities >= 15 && st.edges >= 15, st);
    check('status bar text: entity count', st && P.statusBarText(st) === `$(type-hierarchy) ${P.formatCount(st.entities)} entities`, st && P.statusBarText(st));
    check('status report: state, files, database', st && /^Index ready: 5 files, /.test(P.statusReport(st)) &&
        P.statusReport(st).includes(path.join(work, '.cache', 'parseltongue')), st && P.statusReport(st));
    check('server watches files through the client (dynamic registration)', s.registrations.includes('workspace/didChangeWatchedFiles'), s.registrations);
    check('indexing progress reported ($/progress begin … end)', s.progress.some(p => p.kind === 'begin') && s.progress.some(p => p.kind === 'end'), s.progress);

    // Show Blast Radius on `helper` (lib.rs:22 `pub fn helper`): describe (lib.rs:18) and twice (lib.rs:31) call it.
    const HELPER = { line: 21, character: 9 };
    const br = await s.request<P.BlastRadiusResult>(P.Methods.blastRadius, P.blastRadiusParams(lib, HELPER));
    check('blastRadius: target lspfix::helper', br?.target.qualifiedName === 'lspfix::helper' && br.target.kind === 'function', br?.target);
    check('blastRadius: exactly its callers describe and twice, depth 1, CALLS', same(
        (br?.items ?? []).map(i => [i.qualifiedName, i.depth, i.relation]).sort(),
        [['lspfix::describe', 1, 'CALLS'], ['lspfix::twice', 1, 'CALLS']]), br?.items);
    const describe = br?.items.find(i => i.name === 'describe');
    // `    let label = "größe — ∑ 😀"; let n = helper(2);`: 😀 is two utf-16 units → column 40
    check('blastRadius: the call site after non-ASCII text, in utf-16',
        describe?.site?.uri === lib && same(describe.site.range.start, { line: 17, character: 40 }), describe?.site);
    check('blastRadius: via is the path from the target to the item', same(describe?.via, ['lspfix::helper', 'lspfix::describe']), describe?.via);
    if (br) {
        check('blastRadius title', P.blastRadiusTitle(br) === 'Blast radius of lspfix::helper (depth 3): 2 affected entities', P.blastRadiusTitle(br));
        const pick = describe && P.blastRadiusPickItem(describe, [root]);
        check('blastRadius QuickPick item', pick && pick.label === '$(symbol-function) describe' &&
            pick.description === 'function · depth 1 · CALLS · src/lib.rs:18' && pick.detail === 'lspfix::helper → lspfix::describe', pick);
        check('blastRadius: items sorted nearest first, then by name', same(P.sortBlastRadius(br.items).map(i => i.name), ['describe', 'twice']));
        check('blastRadius: selecting opens the call site', describe && same(P.blastRadiusLocation(describe), describe.site));
    }
    // the trait Area (shapes.rs:1): Circle and Square implement it, measure<T: Area> names it
    const brArea = await s.request<P.BlastRadiusResult>(P.Methods.blastRadius, P.blastRadiusParams(shapes, { line: 0, character: 11 }, 1));
    const d1 = (brArea?.items ?? []).filter(i => i.depth === 1);
    check('blastRadius depth 1 of a trait: implementors (IMPL) and users (USES)',
        ['lspfix::measure', 'lspfix::shapes::Circle', 'lspfix::shapes::Square'].every(n => names(d1).includes(n)) &&
        d1.find(i => i.qualifiedName === 'lspfix::shapes::Circle')?.relation === 'IMPL' &&
        d1.find(i => i.qualifiedName === 'lspfix::measure')?.relation === 'USES' && brArea?.depth === 1, brArea);
    const nothing = await s.request<P.BlastRadiusResult>(P.Methods.blastRadius, P.blastRadiusParams(lib, { line: 9, character: 0 }));
    check('blastRadius on no symbol: null (the command says "no entity at the cursor")', nothing === null, nothing);

    // whatImplements (not a command of its own; the shared module builds it too)
    const wi = await s.request<P.WhatImplementsResult>(P.Methods.whatImplements, P.whatImplementsParams(shapes, { line: 0, character: 11 }));
    check('whatImplements Area: impl for Circle (shapes.rs:14) and Square (shapes.rs:20)', same(
        (wi?.items ?? []).map(i => [i.type, i.kind, i.location?.range.start.line]).sort(),
        [['lspfix::shapes::Circle', 'impl', 13], ['lspfix::shapes::Square', 'impl', 19]]), wi);
    const wc = await s.request<P.WhatImplementsResult>(P.Methods.whatImplements, P.whatImplementsParams(shapes, { line: 5, character: 11 }));
    check('whatImplements Circle: Area, and derived Debug and Clone', same(
        (wc?.items ?? []).map(i => [i.trait, i.derive]).sort(),
        [['lspfix::shapes::Area', false], ['std::clone::Clone', true], ['std::fmt::Debug', true]]), wc);

    // The results view (Show Blast Radius, Show Implementations): trees built from the answers
    if (br) {
        const t = P.blastRadiusTree(br, [root]);
        check('blast radius tree: the target, its two callers under it',
            t.label === 'helper' && same(t.children.map(c => c.label), ['describe', 'twice']) &&
            t.children.every(c => c.children.length === 0), t);
        check('blast radius tree: a node opens the call site', same(t.children[0]?.location, describe?.site), t.children[0]);
    }
    if (brArea) {
        const deep = await s.request<P.BlastRadiusResult>(P.Methods.blastRadius, P.blastRadiusParams(shapes, { line: 0, character: 11 }, 3));
        const t = deep ? P.blastRadiusTree(deep, [root]) : undefined;
        const walk = (n: P.ResultNode, parent: string, out: [string, string][]) => {
            for (const c of n.children) { out.push([parent, c.tooltip]); walk(c, c.tooltip, out); }
            return out;
        };
        const pairs = t ? walk(t, deep?.target.qualifiedName ?? '', []) : [];
        // each node sits under the entity before it on its `via` path (its tooltip is that path)
        check('blast radius tree of a trait: every node under the previous entity of its path',
            pairs.length === deep?.items.length && pairs.every(([parent, via]) => {
                const chain = via.split(' → ');
                return chain[chain.length - 2] === parent.split(' → ').pop();
            }), pairs);
    }
    if (wi) {
        const t = P.implementationsTree(wi, [root]);
        check('implementations tree of a trait: its types, at the impl headers',
            t.label === 'Area' && same(t.children.map(c => [c.label, c.description]),
                [['Circle', 'impl · src/shapes.rs:14'], ['Square', 'impl · src/shapes.rs:20']]), t);
    }
    if (wc) {
        const t = P.implementationsTree(wc, [root]);
        check('implementations tree of a type: its traits, derives marked',
            same(t.children.map(c => [c.label, c.description.split(' · ')[0]]), [['Area', 'impl'], ['Clone', 'derive'], ['Debug', 'derive']]), t);
    }

    // workspace/executeCommand: the custom requests for generic clients and lenses
    const init2 = init.capabilities as { executeCommandProvider?: { commands: string[] }; typeHierarchyProvider?: boolean; codeLensProvider?: { resolveProvider?: boolean } };
    check('initialize: executeCommandProvider declares the custom requests',
        ['parseltongue/blastRadius', 'parseltongue/whatImplements', 'parseltongue/findCycles', 'parseltongue/generateContext',
            'parseltongue/stats', 'parseltongue/reindex'].every(c => init2.executeCommandProvider?.commands.includes(c)) &&
        !Object.values(P.Commands).some(c => init2.executeCommandProvider?.commands.includes(c)), init2.executeCommandProvider);
    const ec = await s.request<P.FindCyclesResult>('workspace/executeCommand', { command: 'parseltongue/findCycles', arguments: [P.findCyclesParams('module')] });
    check('executeCommand parseltongue/findCycles: the module cycle ping ↔ pong',
        same((ec?.cycles ?? []).map(c => names(c.members)), [['lspfix::ping', 'lspfix::pong']]), ec);
    const eb = await s.request<P.BlastRadiusResult>('workspace/executeCommand', { command: 'parseltongue/blastRadius', arguments: [P.blastRadiusParams(lib, HELPER)] });
    check('executeCommand parseltongue/blastRadius: describe and twice', same(names(eb?.items), ['lspfix::describe', 'lspfix::twice']), eb);

    // Type hierarchy (VS Code's client registers it from typeHierarchyProvider)
    check('initialize: typeHierarchyProvider', init2.typeHierarchyProvider === true, init2);
    interface THItem { name: string; uri: string; selectionRange: P.Range; data?: unknown }
    const at = (i: THItem) => [i.name, path.basename(i.uri), i.selectionRange.start.line, i.selectionRange.start.character];
    const area = await s.request<THItem[]>('textDocument/prepareTypeHierarchy', { textDocument: { uri: shapes }, position: { line: 0, character: 11 } });
    check('prepareTypeHierarchy on trait Area', area?.length === 1 && same(at(area[0]), ['Area', 'shapes.rs', 0, 10]), area);
    if (area?.length) {
        const sub = await s.request<THItem[]>('typeHierarchy/subtypes', { item: area[0] });
        check('subtypes of Area: Circle and Square', same((sub ?? []).map(at), [['Circle', 'shapes.rs', 5, 11], ['Square', 'shapes.rs', 9, 11]]), sub);
    }
    const circle = await s.request<THItem[]>('textDocument/prepareTypeHierarchy', { textDocument: { uri: shapes }, position: { line: 5, character: 13 } });
    if (circle?.length) {
        const sup = await s.request<THItem[]>('typeHierarchy/supertypes', { item: circle[0] });
        check('supertypes of Circle: Area, and std\'s Debug and Clone at its derive', same((sup ?? []).map(at),
            [['Area', 'shapes.rs', 0, 10], ['std::fmt::Debug', 'shapes.rs', 4, 9], ['std::clone::Clone', 'shapes.rs', 4, 16]]), sup);
    } else {
        check('prepareTypeHierarchy on struct Circle', false, circle);
    }

    // Code lens: unresolved at first, resolved one by one (as VS Code's client does)
    check('initialize: codeLensProvider with resolve', init2.codeLensProvider?.resolveProvider === true, init2.codeLensProvider);
    interface Lens { range: P.Range; command?: { title: string; command: string; arguments?: unknown[] }; data?: unknown }
    const lenses = await s.request<Lens[]>('textDocument/codeLens', { textDocument: { uri: shapes } });
    check('codeLens: Area, area, Circle, Square, the two impl methods and unit_circle, unresolved',
        same((lenses ?? []).map(l => [l.range.start.line, l.range.start.character]), [[0, 10], [1, 7], [5, 11], [9, 11], [14, 7], [20, 7], [25, 7]]) &&
        (lenses ?? []).every(l => l.command === undefined), lenses);
    const resolved: Lens[] = [];
    for (const l of lenses ?? []) resolved.push((await s.request<Lens>('codeLens/resolve', l)) ?? l);
    check('codeLens/resolve: the titles', same(resolved.map(l => l.command?.title),
        ['2 implementations', '2 callers', '3 implementations', '1 implementation', '1 caller', '1 caller', '0 callers']), resolved.map(l => l.command));
    const args = P.showReferencesArgs(resolved[1]?.command?.arguments ?? []);
    check('a lens runs parseltongue.showReferences with the call sites of Area::area (lib.rs 12 and 27)',
        resolved[1]?.command?.command === P.InternalCommands.showReferences && args?.uri === shapes && same(args.position, { line: 1, character: 7 }) &&
        same(args.locations.map(l => [path.basename(l.uri), l.range.start.line, l.range.start.character]), [['lib.rs', 11, 17], ['lib.rs', 26, 6]]), resolved[1]);
    const refreshesBefore = s.lensRefreshes;
    await s.conn.sendNotification('workspace/didChangeConfiguration', { settings: { parseltongue: { codeLens: { enable: false } } } });
    const none = await s.request<Lens[]>('textDocument/codeLens', { textDocument: { uri: shapes } });
    check('parseltongue.codeLens.enable false (didChangeConfiguration, as the client syncs it): no lenses, a refresh asked',
        same(none, []) && s.lensRefreshes > refreshesBefore, [none, s.lensRefreshes]);
    await s.conn.sendNotification('workspace/didChangeConfiguration', { settings: { parseltongue: { codeLens: { enable: true } } } });
    check('parseltongue.codeLens.enable true again: lenses', (await s.request<Lens[]>('textDocument/codeLens', { textDocument: { uri: shapes } }))?.length === 7);

    // Find Cycles: ping uses pong::Pong and pong uses ping::Ping; no function calls another in a loop
    const fc = await s.request<P.FindCyclesResult>(P.Methods.findCycles, P.findCyclesParams('all'));
    check('findCycles: exactly the module cycle ping ↔ pong', same(
        (fc?.cycles ?? []).map(c => [c.level, names(c.members)]), [['module', ['lspfix::ping', 'lspfix::pong']]]), fc);
    if (fc?.cycles.length) {
        check('findCycles summary', P.cyclesSummary(fc) === '1 module cycle.', P.cyclesSummary(fc));
        const item = P.cyclePickItem(fc.cycles[0]);
        check('findCycles QuickPick item', item.label === '$(sync) module cycle of 2' && /^lspfix::p[io]ng → lspfix::p[io]ng → lspfix::p[io]ng$/.test(item.detail), item);
        // a `mod x;` module is located at its declaration or its file: the contract leaves that open
        check('findCycles: members have locations to open', fc.cycles[0].members.every(m => m.uri?.startsWith(root + '/src/') && m.selectionRange), fc.cycles[0].members);
    }
    const fcf = await s.request<P.FindCyclesResult>(P.Methods.findCycles, P.findCyclesParams('function'));
    check('findCycles level function: none', fcf !== null && fcf.cycles.length === 0, fcf);

    // Copy LLM Context for Symbol on helper
    const gc = await s.request<P.GenerateContextResult>(P.Methods.generateContext, P.generateContextParams(lib, HELPER, 2000));
    check('generateContext: target, signature, callers', gc?.target.qualifiedName === 'lspfix::helper' &&
        gc.text.includes('pub fn helper(x: u32) -> u32') && gc.text.includes('describe') && gc.text.includes('twice'), gc);
    check('generateContext: token count within the budget', gc && gc.tokens > 0 && gc.tokens <= 2000, gc?.tokens);
    if (gc) check('generateContext message', P.contextMessage(gc, 2000) === `Copied LLM context for lspfix::helper: ${gc.tokens} tokens (budget 2000).`);
    const small = await s.request<P.GenerateContextResult>(P.Methods.generateContext, P.generateContextParams(lib, HELPER, 40));
    check('generateContext: a small budget is kept', small && small.tokens > 0 && small.tokens <= 40, small);
    check('generateContext on no symbol: null', await s.request(P.Methods.generateContext, P.generateContextParams(lib, { line: 9, character: 0 })) === null);

    // Reindex Workspace: a file written behind the editor's back (VS Code owns watching here, and
    // this client reports nothing) appears only after the Reindex notification.
    fs.writeFileSync(path.join(work, 'src', 'extra.rs'), 'pub fn extra() -> u32 {\n    crate::helper(3)\n}\n');
    fs.appendFileSync(path.join(work, 'src', 'lib.rs'), 'pub mod extra;\n');
    await sleep(700);
    const before = await s.stats();
    check('before Reindex the new file is not indexed', before?.files === 5, before?.files);
    const roots = (before?.roots ?? []).map(r => r.root);
    const lensRefreshes = s.lensRefreshes;
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, P.reindexParams(roots));
    st = await s.statsUntil(x => x.files === 6 && P.indexState(x) === 'ready');
    for (let i = 0; i < 40 && s.lensRefreshes === lensRefreshes; i++) await sleep(50);
    check('after Reindex changed the graph: workspace/codeLens/refresh', s.lensRefreshes > lensRefreshes, s.lensRefreshes);
    check('after Reindex: 6 files, ready', st?.files === 6 && P.indexState(st) === 'ready', st);
    check('after Reindex: updates counted', st && before && st.roots[0].updates > before.roots[0].updates, [before?.roots[0], st?.roots[0]]);
    const br2 = await s.request<P.BlastRadiusResult>(P.Methods.blastRadius, P.blastRadiusParams(lib, HELPER));
    check('after Reindex: the new caller is in the blast radius', names(br2?.items).includes('lspfix::extra::extra'), names(br2?.items));

    // Rebuild from scratch deletes exactly the LMDB files of the folder's database
    const del = st ? P.databaseFilesToDelete(st) : [];
    const db = path.join(work, '.cache', 'parseltongue');
    check('rebuild deletes data.mdb and lock.mdb of the database only', same(del, [path.join(db, 'data.mdb'), path.join(db, 'lock.mdb')]) &&
        del.every(f => fs.existsSync(f)), del);

    const code = await s.close();
    check('shutdown + exit: exit code 0', code === 0, { code, stderr: s.stderr.slice(-400) });

    // Second start with parseltongue.databaseDirectory set: --db DIR is honoured.
    const dbDir = path.join(tmp, 'ptdb');
    const s2 = new Session({ serverPath: bin, databaseDirectory: '${workspaceFolder}/../ptdb', extraArgs: [] }, work);
    check('launch: databaseDirectory becomes --db', same(s2.launch.args, ['--stdio', '--db', dbDir]), s2.launch.args);
    await s2.initialize(work);
    const st2 = await s2.statsUntil(x => P.indexState(x) === 'ready');
    check('databaseDirectory: the index is built there', st2?.roots[0]?.database === dbDir && st2.files === 6 &&
        fs.existsSync(path.join(dbDir, 'data.mdb')), st2?.roots);
    check('second session answers the commands too', (await s2.request<P.FindCyclesResult>(P.Methods.findCycles, P.findCyclesParams()))?.cycles.length === 1);
    check('second session: exit code 0', await s2.close() === 0, s2.stderr.slice(-400));
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const keep = args.includes('--keep');
    const binArg = args.find(a => !a.startsWith('--')) ?? process.env.PARSELTONGUE_BIN ?? path.join(ROOT, 'build', 'parseltongue');
    const bin = path.resolve(binArg);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-vscode-'));
    try {
        testPure();
        if (!fs.existsSync(bin)) check(`server binary ${bin} exists`, false);
        else await testServer(bin, tmp);
    } catch (e) {
        check('no exception', false, String(e instanceof Error ? e.stack : e));
    } finally {
        if (keep) console.log(`kept ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
}

void main();
