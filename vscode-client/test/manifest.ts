/**
 * Checks the packaged .vsix: it is a zip whose extension/package.json is a
 * valid manifest (engines, activation events, main file present, commands,
 * views and settings consistent with the code, repository, LICENSE), nothing
 * but the bundle ships, and the bundle loads and activates (against a
 * stand-in `vscode` module that records what it is asked, with a server path
 * that does not exist, so no process is started) registering exactly the
 * contributed commands and the code lenses' command.
 *
 * With --platform X.vsix, the platform package too: the same checks, plus the
 * server binary inside (executable, an ELF file), and that the extension,
 * activated from the unpacked package with serverPath unset, starts that
 * binary (`--stdio`) and the server answers.
 *
 * usage: node out/test/manifest.js parseltongue.vsix [--platform parseltongue-linux-x64.vsix]
 * Last line: "N passed, M failed"; exit status 0 iff M == 0.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { BUNDLED_SERVER, Commands, InternalCommands, RESULTS_VIEW } from '../src/protocol';

const HERE = path.resolve(__dirname, '..', '..');       // vscode-client
let passed = 0;
let failed = 0;

function check(name: string, cond: unknown, detail?: unknown): boolean {
    if (cond) { passed++; console.log(`ok   ${name}`); } else {
        failed++;
        console.log(`FAIL ${name}${detail === undefined ? '' : ': ' + JSON.stringify(detail).slice(0, 800)}`);
    }
    return !!cond;
}

/** The entries of a zip file (stored or deflated), by name. */
function readZip(buf: Buffer, modes?: Map<string, number>): Map<string, Buffer> {
    let eocd = -1;
    for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
        if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
    }
    if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
    const count = buf.readUInt16LE(eocd + 10);
    let p = buf.readUInt32LE(eocd + 16);
    const out = new Map<string, Buffer>();
    for (let k = 0; k < count; k++) {
        if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry');
        const method = buf.readUInt16LE(p + 10);
        const csize = buf.readUInt32LE(p + 20);
        const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
        const local = buf.readUInt32LE(p + 42);
        const external = buf.readUInt32LE(p + 38);
        const name = buf.toString('utf8', p + 46, p + 46 + nlen);
        const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        const raw = buf.subarray(data, data + csize);
        out.set(name, method === 0 ? raw : zlib.inflateRawSync(raw));
        modes?.set(name, external >>> 16);          // unix mode, as VS Code restores it
        p += 46 + nlen + xlen + clen;
    }
    return out;
}

interface Manifest {
    name: string; publisher: string; version: string; main: string; license: string;
    repository?: { type: string; url: string };
    scripts: Record<string, string>;
    engines: { vscode: string };
    activationEvents: string[];
    contributes: {
        commands: { command: string; title: string; category?: string }[];
        views: Record<string, { id: string; name: string }[]>;
        configuration: { properties: Record<string, { default?: unknown }> };
    };
    devDependencies: Record<string, string>;
    dependencies: Record<string, string>;
}

function minVersion(range: string): number[] {
    const m = /(\d+)\.(\d+)\.(\d+)/.exec(range);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

function cmp(a: number[], b: number[]): number {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
}

// ---- a stand-in for the `vscode` module -----------------------------------------

interface Recorder {
    commands: string[]; errors: string[]; statusItems: number; configKeys: string[];
    treeViews: string[]; spawned: { command: string; args: string[]; answered: boolean; kill: () => void }[];
}

/**
 * Any property is a callable, constructible stand-in, except `then` (so that
 * awaiting one resolves at once). The few calls whose answers matter are real.
 */
function fakeVscode(rec: Recorder, serverPath: string): unknown {
    const anything = (): unknown => new Proxy(function () { /* stand-in */ }, {
        get: (_t, prop) => (prop === 'then' ? undefined : prop === Symbol.toPrimitive ? () => '' : anything()),
        apply: () => anything(),
        construct: () => anything() as object,
        set: () => true,
    });
    const overrides: Record<string, unknown> = {
        version: '1.91.0',
        commands: new Proxy({}, {
            get: (_t, prop) => prop === 'registerCommand'
                ? (id: string) => { rec.commands.push(id); return { dispose() { /* */ } }; }
                : prop === 'then' ? undefined : anything(),
        }),
        workspace: new Proxy({}, {
            get: (_t, prop) => {
                if (prop === 'then') return undefined;
                if (prop === 'workspaceFolders') return undefined;
                if (prop === 'getConfiguration') {
                    return () => ({
                        get: (key: string, def: unknown) => { rec.configKeys.push(key); return key === 'serverPath' ? serverPath : def; },
                        has: () => false, inspect: () => undefined, update: () => Promise.resolve(),
                    });
                }
                return anything();
            },
        }),
        window: new Proxy({}, {
            get: (_t, prop) => {
                if (prop === 'then') return undefined;
                if (prop === 'showErrorMessage') return (msg: string) => { rec.errors.push(msg); return Promise.resolve(undefined); };
                if (prop === 'createStatusBarItem') return () => { rec.statusItems++; return anything(); };
                if (prop === 'createTreeView') return (id: string) => { rec.treeViews.push(id); return anything(); };
                return anything();
            },
        }),
        extensions: new Proxy({}, {
            get: (_t, prop) => (prop === 'getExtension' ? () => undefined : prop === 'then' ? undefined : anything()),
        }),
    };
    // Own properties for what matters, everything else through the prototype: a
    // bundler's ESM interop copies own properties and keeps the prototype.
    const fallback = new Proxy({}, { get: (_t, prop) => (prop === 'then' ? undefined : anything()) });
    return Object.assign(Object.create(fallback) as object, overrides);
}

/**
 * Loads the bundle with the stand-in `vscode` and activates it. serverPath:
 * the setting's value. Records what it registers, and every process it starts
 * (child_process.spawn, wrapped: its command, and whether it wrote a framed
 * answer on stdout).
 */
async function activateBundle(file: string, extensionPath: string, serverPath: string): Promise<Recorder> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require('module') as { _load: (req: string, parent: unknown, isMain: boolean) => unknown; _cache: Record<string, unknown> };
    const realLoad = Module._load;
    const rec: Recorder = { commands: [], errors: [], statusItems: 0, configKeys: [], treeViews: [], spawned: [] };
    const vscode = fakeVscode(rec, serverPath);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cp = require('child_process') as typeof import('child_process');
    const spy = {
        ...cp,
        spawn: (command: string, args: string[], options: object) => {
            const child = cp.spawn(command, args, options);
            const entry = { command, args, answered: false, kill: () => child.kill('SIGKILL') };
            rec.spawned.push(entry);
            child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('Content-Length')) entry.answered = true; });
            return child;
        },
    };
    Module._load = (req, parent, isMain) => (req === 'vscode' ? vscode : req === 'child_process' ? spy : realLoad(req, parent, isMain));
    try {
        delete Module._cache[file];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const ext = require(file) as { activate?: (ctx: unknown) => Promise<void>; deactivate?: () => Promise<void> };
        check('bundle loads with only `vscode` external', typeof ext.activate === 'function' && typeof ext.deactivate === 'function');
        if (!ext.activate) return rec;
        const ctx = { subscriptions: [] as unknown[], extensionPath, extensionUri: anythingUri() };
        await Promise.race([ext.activate(ctx).catch((e: unknown) => { rec.errors.push(`activate threw: ${String(e)}`); }),
            new Promise(r => setTimeout(r, 5000))]);
        // a started server answers initialize within a few seconds
        for (let i = 0; i < 100 && rec.spawned.length && !rec.spawned.every(p => p.answered); i++) await new Promise(r => setTimeout(r, 50));
        await Promise.race([ext.deactivate?.(), new Promise(r => setTimeout(r, 2000))]);
        rec.spawned.forEach(p => p.kill());
    } finally {
        Module._load = realLoad;
    }
    return rec;
}

function checkActivation(rec: Recorder, m: Manifest, bogus: string): void {
    const contributed = m.contributes.commands.map(c => c.command);
    const want = [...contributed, InternalCommands.showReferences].sort();
    check('activate registers the contributed commands and the code lenses\' command', JSON.stringify([...rec.commands].sort()) === JSON.stringify(want), rec.commands);
    check('activate creates the status bar item', rec.statusItems === 1, rec.statusItems);
    check('activate creates the results tree view', JSON.stringify(rec.treeViews) === JSON.stringify([RESULTS_VIEW]), rec.treeViews);
    check('a missing server binary is reported by name (no crash)', rec.errors.length === 1 && rec.errors[0].includes(bogus) && rec.errors[0].includes('parseltongue.serverPath'), rec.errors);
    check('no process started for a missing binary', rec.spawned.length === 0, rec.spawned);
    const props = Object.keys(m.contributes.configuration.properties);
    const unknown = [...new Set(rec.configKeys)].filter(k => !props.includes(`parseltongue.${k}`));
    check('every setting the code reads is contributed', rec.configKeys.length > 0 && unknown.length === 0, unknown);
}

function anythingUri(): unknown {
    return { fsPath: '/', scheme: 'file', toString: () => 'file:///' };
}

/** The checks every package passes; returns the manifest and the entries. */
function checkPackage(vsix: string, label: string): { m: Manifest; entries: Map<string, Buffer>; modes: Map<string, number>; main: string } {
    const modes = new Map<string, number>();
    const entries = readZip(fs.readFileSync(vsix), modes);
    check(`${label}: a zip with extension.vsixmanifest and extension/package.json`,
        entries.has('extension.vsixmanifest') && entries.has('extension/package.json'), [...entries.keys()]);
    const m = JSON.parse(entries.get('extension/package.json')?.toString() ?? '{}') as Manifest;
    check(`${label}: name, publisher, version`, m.name === 'parseltongue' && !!m.publisher && /^\d+\.\d+\.\d+$/.test(m.version), m);
    const vsixManifest = entries.get('extension.vsixmanifest')?.toString() ?? '';
    check(`${label}: vsixmanifest identity matches`, vsixManifest.includes(`Id="${m.name}"`) && vsixManifest.includes(`Publisher="${m.publisher}"`));
    const main = path.posix.join('extension', m.main.replace(/^\.\//, '')).replace(/(\.js)?$/, '.js');
    check(`${label}: main file is in the .vsix`, entries.has(main), { main, entries: [...entries.keys()] });
    const license = entries.get('extension/LICENSE.txt') ?? entries.get('extension/LICENSE');
    check(`${label}: the MIT LICENSE of the repository root ships`, m.license === 'MIT' && license !== undefined &&
        license.equals(fs.readFileSync(path.join(HERE, '..', 'LICENSE'))), [...entries.keys()]);
    const extra = [...entries.keys()].filter(n => /node_modules\/|\.ts$|\/src\/|\/out\/|\.map$/.test(n));
    check(`${label}: only the bundle ships (no node_modules, sources, tests, maps)`, extra.length === 0, extra);
    return { m, entries, modes, main };
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const pi = args.indexOf('--platform');
    const platform = pi >= 0 ? path.resolve(args[pi + 1] ?? '') : undefined;
    const vsix = path.resolve(args.find((a, i) => !a.startsWith('--') && (pi < 0 || i !== pi + 1)) ?? path.join(HERE, 'parseltongue.vsix'));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-vsix-'));
    try {
        const { m, entries, main } = checkPackage(vsix, 'universal .vsix');
        check('manifest: activation on Rust files and Cargo.toml workspaces',
            m.activationEvents?.includes('onLanguage:rust') && m.activationEvents.includes('workspaceContains:**/Cargo.toml'), m.activationEvents);
        check('manifest: a repository (vsce asks for one otherwise)', typeof m.repository?.url === 'string' && m.repository.url.length > 0, m.repository);
        check('manifest: vscode:prepublish builds the bundle and copies LICENSE',
            /npm run build/.test(m.scripts['vscode:prepublish'] ?? '') && /LICENSE/.test(m.scripts['vscode:prepublish'] ?? ''), m.scripts);
        const lc = JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', 'vscode-languageclient', 'package.json'), 'utf8')) as { version: string; engines: { vscode: string } };
        check(`manifest: engines.vscode ${m.engines.vscode} is supported by vscode-languageclient ${lc.version} (${lc.engines.vscode})`,
            m.engines.vscode.startsWith('^') && cmp(minVersion(m.engines.vscode), minVersion(lc.engines.vscode)) >= 0);
        check('manifest: @types/vscode is not newer than engines.vscode',
            cmp(minVersion(m.devDependencies['@types/vscode']), minVersion(m.engines.vscode)) <= 0, m.devDependencies['@types/vscode']);
        const pinned = Object.entries({ ...m.dependencies, ...m.devDependencies }).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v));
        check('manifest: dependency versions pinned', pinned.length === 0, pinned);

        const cmds = m.contributes?.commands ?? [];
        const want: Record<string, string> = {
            [Commands.showBlastRadius]: 'Show Blast Radius', [Commands.showImplementations]: 'Show Implementations',
            [Commands.findCycles]: 'Find Cycles', [Commands.copyContext]: 'Copy LLM Context for Symbol',
            [Commands.reindex]: 'Reindex Workspace', [Commands.showStatus]: 'Show Index Status',
            [Commands.clearResults]: 'Clear Results',
        };
        check('contributes.commands: the seven commands, titled "Parseltongue: …"',
            cmds.length === 7 && cmds.every(c => want[c.command] === c.title && c.category === 'Parseltongue'), cmds);
        check('contributes.views: the results tree in the Explorer', m.contributes.views?.explorer?.some(v => v.id === RESULTS_VIEW), m.contributes.views);
        const props = m.contributes?.configuration?.properties ?? {};
        check('contributes.configuration: serverPath, databaseDirectory, extraArgs, codeLens.enable, trace.server',
            ['serverPath', 'databaseDirectory', 'extraArgs', 'codeLens.enable', 'trace.server'].every(k => `parseltongue.${k}` in props), Object.keys(props));
        check('serverPath default empty (the shipped server, else PATH); code lenses on; trace off',
            props['parseltongue.serverPath']?.default === '' && props['parseltongue.codeLens.enable']?.default === true &&
            props['parseltongue.trace.server']?.default === 'off');
        check('the universal package has no server inside', ![...entries.keys()].some(n => n.includes('server/')), [...entries.keys()]);

        const bundle = path.join(tmp, 'universal', 'extension.js');
        fs.mkdirSync(path.dirname(bundle));
        fs.writeFileSync(bundle, entries.get(main) ?? '');
        const bogus = path.join(os.tmpdir(), 'no-such-dir', 'parseltongue-missing');
        checkActivation(await activateBundle(bundle, path.dirname(bundle), bogus), m, bogus);

        if (platform) await checkPlatform(platform, tmp);
    } catch (e) {
        check('no exception', false, String(e instanceof Error ? e.stack : e));
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
}

/** The platform package: the server inside, and the extension starts it by itself. */
async function checkPlatform(vsix: string, tmp: string): Promise<void> {
    const { m, entries, modes } = checkPackage(vsix, 'platform .vsix');
    const vsixManifest = entries.get('extension.vsixmanifest')?.toString() ?? '';
    check('platform .vsix: its target is in the vsixmanifest', /TargetPlatform="linux-(x64|arm64)"/.test(vsixManifest), vsixManifest.slice(0, 400));
    const server = path.posix.join('extension', BUNDLED_SERVER.split(path.sep).join('/'));
    const bin = entries.get(server);
    check('platform .vsix: the server binary is inside (an ELF executable)', bin !== undefined && bin.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])),
        [...entries.keys()]);
    check('platform .vsix: the binary keeps its executable bits', ((modes.get(server) ?? 0) & 0o111) === 0o111, (modes.get(server) ?? 0).toString(8));
    if (!bin) return;
    // unpack as VS Code does, then activate with serverPath unset
    const dir = path.join(tmp, 'platform');
    for (const [name, data] of entries) {
        if (!name.startsWith('extension/')) continue;
        const f = path.join(dir, name.slice('extension/'.length));
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, data, { mode: modes.get(name) || 0o644 });
    }
    const rec = await activateBundle(path.join(dir, m.main.replace(/^\.\//, '').replace(/(\.js)?$/, '.js')), dir, '');
    const want = path.join(dir, BUNDLED_SERVER);
    check('platform .vsix: with serverPath unset the extension starts the shipped server',
        rec.spawned.length === 1 && rec.spawned[0].command === want && JSON.stringify(rec.spawned[0].args) === '["--stdio"]',
        rec.spawned.map(p => [p.command, p.args]));
    check('platform .vsix: the shipped server answers', rec.spawned.length === 1 && rec.spawned[0].answered, rec.errors);
    check('platform .vsix: no error shown', rec.errors.length === 0, rec.errors);
}

void main();
