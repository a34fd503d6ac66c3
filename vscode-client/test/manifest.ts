/**
 * Checks the packaged .vsix: it is a zip whose extension/package.json is a
 * valid manifest (engines, activation events, main file present, commands and
 * settings consistent with the code), nothing but the bundle ships, and the
 * bundle loads and activates (against a stand-in `vscode` module that records
 * what it is asked, with a server path that does not exist, so no process is
 * started) registering exactly the contributed commands.
 *
 * usage: node out/test/manifest.js parseltongue.vsix
 * Last line: "N passed, M failed"; exit status 0 iff M == 0.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Commands } from '../src/protocol';

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
function readZip(buf: Buffer): Map<string, Buffer> {
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
        const name = buf.toString('utf8', p + 46, p + 46 + nlen);
        const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        const raw = buf.subarray(data, data + csize);
        out.set(name, method === 0 ? raw : zlib.inflateRawSync(raw));
        p += 46 + nlen + xlen + clen;
    }
    return out;
}

interface Manifest {
    name: string; publisher: string; version: string; main: string;
    engines: { vscode: string };
    activationEvents: string[];
    contributes: {
        commands: { command: string; title: string; category?: string }[];
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

interface Recorder { commands: string[]; errors: string[]; statusItems: number; configKeys: string[] }

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

async function activateBundle(file: string, m: Manifest): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require('module') as { _load: (req: string, parent: unknown, isMain: boolean) => unknown };
    const realLoad = Module._load;
    const bogus = path.join(os.tmpdir(), 'no-such-dir', 'parseltongue-missing');
    const rec: Recorder = { commands: [], errors: [], statusItems: 0, configKeys: [] };
    const vscode = fakeVscode(rec, bogus);
    Module._load = (req, parent, isMain) => (req === 'vscode' ? vscode : realLoad(req, parent, isMain));
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const ext = require(file) as { activate?: (ctx: unknown) => Promise<void>; deactivate?: () => Promise<void> };
        check('bundle loads with only `vscode` external', typeof ext.activate === 'function' && typeof ext.deactivate === 'function');
        if (!ext.activate) return;
        const ctx = { subscriptions: [] as unknown[], extensionPath: path.dirname(file), extensionUri: anythingUri() };
        await Promise.race([ext.activate(ctx).catch((e: unknown) => { rec.errors.push(`activate threw: ${String(e)}`); }),
            new Promise(r => setTimeout(r, 5000))]);
        const contributed = m.contributes.commands.map(c => c.command).sort();
        check('activate registers exactly the contributed commands', JSON.stringify([...rec.commands].sort()) === JSON.stringify(contributed), rec.commands);
        check('activate creates the status bar item', rec.statusItems === 1, rec.statusItems);
        check('a missing server binary is reported by name (no crash)', rec.errors.length === 1 && rec.errors[0].includes(bogus) && rec.errors[0].includes('parseltongue.serverPath'), rec.errors);
        const props = Object.keys(m.contributes.configuration.properties);
        const unknown = [...new Set(rec.configKeys)].filter(k => !props.includes(`parseltongue.${k}`));
        check('every setting the code reads is contributed', rec.configKeys.length > 0 && unknown.length === 0, unknown);
        await ext.deactivate?.();
    } finally {
        Module._load = realLoad;
    }
}

function anythingUri(): unknown {
    return { fsPath: '/', scheme: 'file', toString: () => 'file:///' };
}

async function main(): Promise<void> {
    const vsix = path.resolve(process.argv[2] ?? path.join(HERE, 'parseltongue.vsix'));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-vsix-'));
    try {
        const entries = readZip(fs.readFileSync(vsix));
        check('the .vsix is a zip with extension.vsixmanifest and extension/package.json',
            entries.has('extension.vsixmanifest') && entries.has('extension/package.json'), [...entries.keys()]);
        const m = JSON.parse(entries.get('extension/package.json')?.toString() ?? '{}') as Manifest;
        check('manifest: name, publisher, version', m.name === 'parseltongue' && !!m.publisher && /^\d+\.\d+\.\d+$/.test(m.version), m);
        const vsixManifest = entries.get('extension.vsixmanifest')?.toString() ?? '';
        check('vsixmanifest: identity matches', vsixManifest.includes(`Id="${m.name}"`) && vsixManifest.includes(`Publisher="${m.publisher}"`));
        const main = path.posix.join('extension', m.main.replace(/^\.\//, '')).replace(/(\.js)?$/, '.js');
        check('manifest: main file is in the .vsix', entries.has(main), { main, entries: [...entries.keys()] });
        check('manifest: activation on Rust files and Cargo.toml workspaces',
            m.activationEvents?.includes('onLanguage:rust') && m.activationEvents.includes('workspaceContains:**/Cargo.toml'), m.activationEvents);
        const lc = JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', 'vscode-languageclient', 'package.json'), 'utf8')) as { version: string; engines: { vscode: string } };
        check(`manifest: engines.vscode ${m.engines.vscode} is supported by vscode-languageclient ${lc.version} (${lc.engines.vscode})`,
            m.engines.vscode.startsWith('^') && cmp(minVersion(m.engines.vscode), minVersion(lc.engines.vscode)) >= 0);
        check('manifest: @types/vscode is not newer than engines.vscode',
            cmp(minVersion(m.devDependencies['@types/vscode']), minVersion(m.engines.vscode)) <= 0, m.devDependencies['@types/vscode']);
        const pinned = Object.entries({ ...m.dependencies, ...m.devDependencies }).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v));
        check('manifest: dependency versions pinned', pinned.length === 0, pinned);

        const cmds = m.contributes?.commands ?? [];
        const want: Record<string, string> = {
            [Commands.showBlastRadius]: 'Show Blast Radius', [Commands.findCycles]: 'Find Cycles',
            [Commands.copyContext]: 'Copy LLM Context for Symbol', [Commands.reindex]: 'Reindex Workspace',
            [Commands.showStatus]: 'Show Index Status',
        };
        check('contributes.commands: the five commands, titled "Parseltongue: …"',
            cmds.length === 5 && cmds.every(c => want[c.command] === c.title && c.category === 'Parseltongue'), cmds);
        const props = m.contributes?.configuration?.properties ?? {};
        check('contributes.configuration: serverPath, databaseDirectory, extraArgs, trace.server',
            ['serverPath', 'databaseDirectory', 'extraArgs', 'trace.server'].every(k => `parseltongue.${k}` in props), Object.keys(props));
        check('trace.server default off', props['parseltongue.trace.server']?.default === 'off');
        const extra = [...entries.keys()].filter(n => /node_modules\/|\.ts$|\/src\/|\/out\/|\.map$/.test(n));
        check('only the bundle ships (no node_modules, sources, tests, maps)', extra.length === 0, extra);

        const bundle = path.join(tmp, 'extension.js');
        fs.writeFileSync(bundle, entries.get(main) ?? '');
        await activateBundle(bundle, m);
    } catch (e) {
        check('no exception', false, String(e instanceof Error ? e.stack : e));
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
}

void main();
