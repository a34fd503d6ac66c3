/**
 * Everything the extension says to `parseltongue --stdio` beyond standard
 * LSP, and everything it shows of the answers, as pure functions.
 *
 * This module must not import `vscode`: the integration test
 * (test/integration.ts) runs it in plain Node against the real server, so
 * the requests it checks are exactly the ones the commands send. The shapes
 * below follow lsp/README.md ("Custom requests").
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// ---- wire types ---------------------------------------------------------------

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }
export interface Location { uri: string; range: Range }

/** A node of the graph as the server describes it. */
export interface Entity {
    id: string;
    name: string;
    kind: string;
    qualifiedName: string;
    /** Absent for entities outside the workspace. */
    uri?: string;
    range?: Range;
    selectionRange?: Range;
    signature?: string;
    external?: boolean;
}

/** A target: what the cursor designates, or an entity id. */
export type Target =
    | { textDocument: { uri: string }; position: Position }
    | { id: string; uri?: string };

export interface BlastRadiusItem extends Entity {
    depth: number;
    relation: string;
    /** Qualified paths from the target to this entity, both included. */
    via: string[];
    site?: Location;
}

export interface BlastRadiusResult {
    target: Entity;
    depth: number;
    truncated: boolean;
    items: BlastRadiusItem[];
}

export interface Implementation {
    kind: 'impl' | 'derive';
    derive: boolean;
    type: string;
    trait: string;
    location?: Location;
    implementor?: Entity;
}

export interface WhatImplementsResult { target: Entity; items: Implementation[] }

export type CycleLevel = 'module' | 'function' | 'all';
export interface Cycle { level: string; root: string; members: Entity[] }
export interface FindCyclesResult { cycles: Cycle[] }

export interface GenerateContextResult { target: Entity; text: string; tokens: number }

export type RootState = 'waiting' | 'indexing' | 'ready' | 'failed';
export interface RootStats {
    root: string;
    database: string;
    state: RootState;
    files: number;
    entities: number;
    edges: number;
    databaseBytes: number;
    lastUpdateMs: number;
    lastUpdateUnix: number;
    updates: number;
    pendingUpdates: number;
    error?: string;
}

export interface StatsResult {
    files: number;
    entities: number;
    edges: number;
    positionEncoding: string;
    roots: RootStats[];
}

// ---- requests -----------------------------------------------------------------

export const Methods = {
    blastRadius: 'parseltongue/blastRadius',
    whatImplements: 'parseltongue/whatImplements',
    findCycles: 'parseltongue/findCycles',
    generateContext: 'parseltongue/generateContext',
    stats: 'parseltongue/stats',
    /** Standard notification, used by Reindex: a manifest change re-reads a whole folder. */
    didChangeWatchedFiles: 'workspace/didChangeWatchedFiles',
} as const;

/** The command ids of package.json, with the method each one sends. */
export const Commands = {
    showBlastRadius: 'parseltongue.showBlastRadius',
    showImplementations: 'parseltongue.showImplementations',
    findCycles: 'parseltongue.findCycles',
    copyContext: 'parseltongue.copyContext',
    reindex: 'parseltongue.reindex',
    showStatus: 'parseltongue.showStatus',
    clearResults: 'parseltongue.clearResults',
} as const;

/**
 * Commands the extension registers without contributing them (nobody picks
 * them from the palette): the code lenses' command, whose arguments the
 * server gives as [uri, position, locations] (lsp/README.md, codeLens/resolve).
 */
export const InternalCommands = {
    showReferences: 'parseltongue.showReferences',
} as const;

/** The view that shows blast radius and implementations as trees. */
export const RESULTS_VIEW = 'parseltongue.results';

export function cursorTarget(uri: string, position: Position): Target {
    return { textDocument: { uri }, position: { line: position.line, character: position.character } };
}

export function blastRadiusParams(uri: string, position: Position, depth = 3, limit = 1000): Target & { depth: number; limit: number } {
    return { ...cursorTarget(uri, position), depth: clampInt(depth, 1, 64), limit: clampInt(limit, 1, 100000) };
}

export function whatImplementsParams(uri: string, position: Position): Target {
    return cursorTarget(uri, position);
}

export function findCyclesParams(level: CycleLevel = 'all'): { level: CycleLevel } {
    return { level };
}

export function generateContextParams(uri: string, position: Position, tokens = 2000): Target & { tokens: number } {
    return { ...cursorTarget(uri, position), tokens: clampInt(tokens, 1, 1000000) };
}

/** parseltongue/stats takes no parameters. */
export function statsParams(): undefined {
    return undefined;
}

/** LSP FileChangeType: 1 created, 2 changed, 3 deleted. */
export type FileChangeType = 1 | 2 | 3;
const FILE_CHANGED: FileChangeType = 2;

/**
 * Reindex: tell the server that each folder's Cargo.toml changed, which makes
 * it compare the whole folder with its database again (lsp/README.md,
 * "indexer"). Files the editor or the watcher missed are caught up; unchanged
 * files are only stat'ed. The server does not check that the manifest exists,
 * so folders without one are rescanned too.
 */
export function reindexParams(roots: string[]): { changes: { uri: string; type: FileChangeType }[] } {
    return { changes: roots.map(r => ({ uri: r.replace(/\/+$/, '') + '/Cargo.toml', type: FILE_CHANGED })) };
}

/** The files a clean rebuild removes: the LMDB environment of each folder, nothing else. */
export function databaseFilesToDelete(stats: StatsResult): string[] {
    const out: string[] = [];
    for (const r of stats.roots) {
        if (!r.database) continue;
        out.push(path.join(r.database, 'data.mdb'), path.join(r.database, 'lock.mdb'));
    }
    return out;
}

function clampInt(v: number, lo: number, hi: number): number {
    if (!Number.isFinite(v)) return lo;
    return Math.min(hi, Math.max(lo, Math.round(v)));
}

// ---- launching the server ------------------------------------------------------

export interface Settings {
    serverPath: string;
    databaseDirectory: string;
    extraArgs: string[];
}

export interface LaunchContext {
    /** File-system paths of the workspace folders, in order. */
    workspaceFolders: string[];
    env: Record<string, string | undefined>;
    homeDir?: string;
    /** The server shipped in the extension (the platform package), if any: see bundledServer. */
    bundledServer?: string;
}

/** Where the platform package keeps the server, relative to the extension's folder. */
export const BUNDLED_SERVER = path.join('server', 'parseltongue');

/** The server shipped in the extension at extensionPath, when it is there and executable. */
export function bundledServer(extensionPath: string, exists: (p: string) => boolean = isExecutable): string | undefined {
    const p = path.join(extensionPath, BUNDLED_SERVER);
    return exists(p) ? p : undefined;
}

export interface Launch {
    command: string;
    args: string[];
    options: { cwd?: string; env: Record<string, string | undefined> };
}

/** Expands `~` and `${workspaceFolder}`; makes relative paths relative to the first folder. */
export function expandPath(p: string, ctx: LaunchContext, keepBareName: boolean): string {
    const home = ctx.homeDir ?? os.homedir();
    const first = ctx.workspaceFolders[0];
    let s = p.trim();
    if (first !== undefined) s = s.split('${workspaceFolder}').join(first);
    if (s === '~') s = home;
    else if (s.startsWith('~/')) s = path.join(home, s.slice(2));
    if (keepBareName && !s.includes('/')) return s;    // looked up on PATH
    if (!path.isAbsolute(s) && first !== undefined) s = path.join(first, s);
    return path.isAbsolute(s) ? path.resolve(s) : s;
}

/**
 * The command line the extension starts: `serverPath --stdio [--db DIR]
 * [extraArgs...]`. VS Code's client adds nothing to it (the transport is left
 * unset, so no second `--stdio`); the editor's pid travels in `initialize`.
 */
export function serverLaunch(settings: Partial<Settings>, ctx: LaunchContext): Launch {
    // serverPath empty (the default): the shipped server, else `parseltongue` on PATH
    const command = settings.serverPath?.trim() ? expandPath(settings.serverPath, ctx, true)
        : ctx.bundledServer ?? 'parseltongue';
    const args = ['--stdio'];
    const db = settings.databaseDirectory?.trim();
    if (db) args.push('--db', expandPath(db, ctx, false));
    for (const a of settings.extraArgs ?? []) if (typeof a === 'string' && a !== '') args.push(a);
    const env: Record<string, string | undefined> = { ...ctx.env };
    // test-only switch of the server: never in an editor session
    delete env.PARSELTONGUE_LSP_TEST;
    return { command, args, options: { cwd: ctx.workspaceFolders[0], env } };
}

/**
 * The executable a launch command designates: an absolute path as is, a bare
 * name looked up on PATH; undefined when there is no such executable file (the
 * extension then says so itself instead of letting the client fail to spawn).
 */
export function resolveCommand(command: string, envPath: string | undefined, exists: (p: string) => boolean = isExecutable): string | undefined {
    if (command.includes('/')) return exists(command) ? command : undefined;
    for (const dir of (envPath ?? '').split(path.delimiter)) {
        if (!dir) continue;
        const p = path.join(dir, command);
        if (exists(p)) return p;
    }
    return undefined;
}

function isExecutable(p: string): boolean {
    try {
        fs.accessSync(p, fs.constants.X_OK);
        return fs.statSync(p).isFile();
    } catch {
        return false;
    }
}

// ---- which standard features to keep next to rust-analyzer ---------------------

/**
 * Standard requests whose providers are dropped from the client. Next to
 * rust-analyzer these only duplicate what it answers from full type
 * information: a second hover stacks under its hover, extra definition
 * candidates of an ambiguous call turn a jump into a peek, a second outline
 * and symbol list repeat every item, and VS Code asks only ONE call-hierarchy
 * provider, so ours could hide rust-analyzer's. Module-cycle diagnostics
 * (source "parseltongue") are ours alone and always stay.
 */
export const DUPLICATED_FEATURES = [
    'textDocument/hover',
    'textDocument/definition',
    'textDocument/references',
    'textDocument/implementation',
    'textDocument/documentSymbol',
    'textDocument/prepareCallHierarchy',
    'workspace/symbol',
    'textDocument/documentHighlight',
] as const;

/** The server capability that makes VS Code's client register each provider. */
export const CAPABILITY_OF: Record<(typeof DUPLICATED_FEATURES)[number], string> = {
    'textDocument/hover': 'hoverProvider',
    'textDocument/definition': 'definitionProvider',
    'textDocument/references': 'referencesProvider',
    'textDocument/implementation': 'implementationProvider',
    'textDocument/documentSymbol': 'documentSymbolProvider',
    'textDocument/prepareCallHierarchy': 'callHierarchyProvider',
    'workspace/symbol': 'workspaceSymbolProvider',
    'textDocument/documentHighlight': 'documentHighlightProvider',
};

/** What the server reads from initializationOptions (lsp/README.md). */
export function initializationOptions(codeLens: boolean): { codeLens: boolean } {
    return { codeLens };
}

/** The arguments of a code lens's parseltongue.showReferences, checked. */
export function showReferencesArgs(args: unknown[]): { uri: string; position: Position; locations: Location[] } | undefined {
    const [uri, position, locations] = args;
    const isPos = (p: unknown): p is Position => typeof p === 'object' && p !== null &&
        typeof (p as Position).line === 'number' && typeof (p as Position).character === 'number';
    if (typeof uri !== 'string' || !isPos(position) || !Array.isArray(locations)) return undefined;
    const locs = locations.filter((l): l is Location => typeof l === 'object' && l !== null &&
        typeof (l as Location).uri === 'string' && isPos((l as Location).range?.start) && isPos((l as Location).range?.end));
    return { uri, position, locations: locs };
}

/**
 * Removes the capabilities of the dropped features from the server's
 * capabilities as the client sees them (before its features read them), so
 * that those providers are never registered. Returns the keys removed.
 */
export function stripCapabilities(caps: Record<string, unknown>, dropped: string[]): string[] {
    const removed: string[] = [];
    for (const m of dropped) {
        const key = (CAPABILITY_OF as Record<string, string | undefined>)[m];
        if (key && key in caps) {
            delete caps[key];
            removed.push(key);
        }
    }
    return removed;
}

/**
 * The providers to drop for `parseltongue.languageFeatures` ('auto' | 'all' |
 * 'minimal'; anything else counts as 'auto'): 'auto' drops the duplicates only
 * when rust-analyzer is installed.
 */
export function droppedFeatures(mode: string | undefined, rustAnalyzerPresent: boolean): string[] {
    if (mode === 'all') return [];
    if (mode === 'minimal') return [...DUPLICATED_FEATURES];
    return rustAnalyzerPresent ? [...DUPLICATED_FEATURES] : [];
}

// ---- presenting answers -------------------------------------------------------

const KIND_ICON: Record<string, string> = {
    crate: 'package', module: 'symbol-namespace', function: 'symbol-function', method: 'symbol-method',
    struct: 'symbol-struct', enum: 'symbol-enum', union: 'symbol-struct', trait: 'symbol-interface',
    impl: 'symbol-class', type_alias: 'symbol-type-parameter', 'type alias': 'symbol-type-parameter',
    const: 'symbol-constant', static: 'symbol-variable', macro: 'symbol-misc',
};

export function kindIcon(kind: string): string {
    return `$(${KIND_ICON[kind] ?? 'symbol-misc'})`;
}

/** `src/lib.rs:22` (1-based line) for a URI under one of the roots, else the path. */
export function shortLocation(uri: string | undefined, range: Range | undefined, roots: string[] = []): string {
    if (!uri) return 'outside the workspace';
    let p = uri;
    for (const r of roots) {
        const root = r.replace(/\/+$/, '') + '/';
        if (uri.startsWith(root)) { p = uri.slice(root.length); break; }
    }
    if (p.startsWith('file://')) p = p.slice('file://'.length);
    try { p = decodeURIComponent(p); } catch { /* keep it encoded */ }
    return range ? `${p}:${range.start.line + 1}` : p;
}

export interface PickItem { label: string; description: string; detail: string }

export function blastRadiusTitle(r: BlastRadiusResult): string {
    const n = r.items.length;
    const what = n === 0 ? 'nothing depends on it' : `${n} affected entit${n === 1 ? 'y' : 'ies'}`;
    return `Blast radius of ${r.target.qualifiedName} (depth ${r.depth}): ${what}${r.truncated ? ' (truncated)' : ''}`;
}

/** Items sorted by depth, then qualified name: the nearest breakage first. */
export function sortBlastRadius(items: BlastRadiusItem[]): BlastRadiusItem[] {
    return [...items].sort((a, b) => a.depth - b.depth || a.qualifiedName.localeCompare(b.qualifiedName));
}

export function blastRadiusPickItem(i: BlastRadiusItem, roots: string[] = []): PickItem {
    const at = i.site ? shortLocation(i.site.uri, i.site.range, roots) : shortLocation(i.uri, i.selectionRange ?? i.range, roots);
    return {
        label: `${kindIcon(i.kind)} ${i.name}`,
        description: `${i.kind} · depth ${i.depth} · ${i.relation} · ${at}`,
        detail: viaText(i),
    };
}

/** The chain from the target to the item; `via` already ends with the item itself. */
export function viaText(i: BlastRadiusItem): string {
    const chain = i.via.length && i.via[i.via.length - 1] === i.qualifiedName ? i.via : [...i.via, i.qualifiedName];
    return chain.join(' → ');
}

/** Where selecting an item goes: the site that depends on the chain, else the entity. */
export function blastRadiusLocation(i: BlastRadiusItem): Location | undefined {
    if (i.site) return i.site;
    const range = i.selectionRange ?? i.range;
    return i.uri && range ? { uri: i.uri, range } : undefined;
}

// ---- the results view (a tree) ----------------------------------------------------

/** A node of the results view: what VS Code's TreeItem needs, and the children. */
export interface ResultNode {
    label: string;
    description: string;
    tooltip: string;
    /** A codicon id (`symbol-function`, …). */
    icon: string;
    /** Where selecting the node goes. */
    location?: Location;
    children: ResultNode[];
}

function entityNode(e: Entity, description: string, tooltip?: string): ResultNode {
    const range = e.selectionRange ?? e.range;
    return {
        label: e.name, description, tooltip: tooltip ?? (e.signature ?? e.qualifiedName),
        icon: KIND_ICON[e.kind] ?? 'symbol-misc',
        location: e.uri && range ? { uri: e.uri, range } : undefined, children: [],
    };
}

/**
 * The blast radius as a tree: the target, under it what depends on it
 * directly, under each of those what depends on that, and so on (each item
 * under the last entity of its `via` path before itself). Siblings: by name.
 */
export function blastRadiusTree(r: BlastRadiusResult, roots: string[] = []): ResultNode {
    const root = entityNode(r.target, `blast radius, depth ${r.depth}: ${r.items.length} affected` +
        (r.truncated ? ' (truncated)' : ''), r.target.signature ?? r.target.qualifiedName);
    const byName = new Map<string, ResultNode>([[r.target.qualifiedName, root]]);
    for (const i of sortBlastRadius(r.items)) {
        const at = i.site ? shortLocation(i.site.uri, i.site.range, roots) : shortLocation(i.uri, i.selectionRange ?? i.range, roots);
        const node = entityNode(i, `${i.relation} · ${at}`, viaText(i));
        node.location = blastRadiusLocation(i);
        const chain = i.via.length && i.via[i.via.length - 1] === i.qualifiedName ? i.via.slice(0, -1) : i.via;
        const parent = byName.get(chain[chain.length - 1] ?? '') ?? root;
        parent.children.push(node);
        if (!byName.has(i.qualifiedName)) byName.set(i.qualifiedName, node);
    }
    const sortTree = (n: ResultNode) => {
        n.children.sort((a, b) => a.label.localeCompare(b.label) || a.description.localeCompare(b.description));
        n.children.forEach(sortTree);
    };
    sortTree(root);
    return root;
}

/**
 * Implementations as a tree: the target, under it one node per impl or
 * derive (a trait: the implementing types; a type: the traits it
 * implements), at the impl's header or the derive.
 */
export function implementationsTree(r: WhatImplementsResult, roots: string[] = []): ResultNode {
    const isTrait = r.target.kind === 'trait' || r.target.kind === 'method';
    const root = entityNode(r.target, `${r.items.length} implementation${r.items.length === 1 ? '' : 's'}`);
    for (const i of r.items) {
        const name = isTrait ? i.type : i.trait;
        root.children.push({
            label: name.split('::').pop() ?? name,
            description: `${i.derive ? 'derive' : 'impl'} · ${shortLocation(i.location?.uri, i.location?.range, roots)}`,
            tooltip: `${i.derive ? '#[derive]' : 'impl'} ${i.trait} for ${i.type}`,
            icon: isTrait ? 'symbol-struct' : 'symbol-interface',
            location: i.location, children: [],
        });
    }
    root.children.sort((a, b) => a.label.localeCompare(b.label) || a.description.localeCompare(b.description));
    return root;
}

export function cycleMembersText(c: Cycle): string {
    const names = c.members.map(m => m.qualifiedName);
    return names.length ? names.join(' → ') + ' → ' + names[0] : '';
}

export function cyclePickItem(c: Cycle): PickItem {
    return {
        label: `$(sync) ${c.level} cycle of ${c.members.length}`,
        description: shortLocation(c.root, undefined),
        detail: cycleMembersText(c),
    };
}

export function cyclesSummary(r: FindCyclesResult): string {
    const by = new Map<string, number>();
    for (const c of r.cycles) by.set(c.level, (by.get(c.level) ?? 0) + 1);
    if (by.size === 0) return 'No dependency cycles.';
    return [...by].map(([l, n]) => `${n} ${l} cycle${n === 1 ? '' : 's'}`).join(', ') + '.';
}

export function entityPickItem(e: Entity, roots: string[] = []): PickItem {
    return {
        label: `${kindIcon(e.kind)} ${e.name}`,
        description: `${e.kind} · ${shortLocation(e.uri, e.selectionRange ?? e.range, roots)}`,
        detail: e.signature ?? e.qualifiedName,
    };
}

export function contextMessage(r: GenerateContextResult, budget: number): string {
    return `Copied LLM context for ${r.target.qualifiedName}: ${r.tokens} tokens (budget ${budget}).`;
}

export type IndexState = 'starting' | 'indexing' | 'ready' | 'failed' | 'no folders';

/** One word for the whole workspace: failed beats indexing beats ready. */
export function indexState(s: StatsResult | undefined): IndexState {
    if (!s) return 'starting';
    if (s.roots.length === 0) return 'no folders';
    if (s.roots.some(r => r.state === 'failed')) return 'failed';
    if (s.roots.some(r => r.state === 'indexing' || r.state === 'waiting' || r.pendingUpdates > 0)) return 'indexing';
    return 'ready';
}

export function formatCount(n: number): string {
    return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatBytes(n: number): string {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = n, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export function statusBarText(s: StatsResult | undefined): string {
    switch (indexState(s)) {
        case 'starting': return '$(loading~spin) Parseltongue';
        case 'indexing': return `$(sync~spin) Parseltongue: indexing${s && s.entities ? ` (${formatCount(s.entities)})` : ''}`;
        case 'failed': return '$(error) Parseltongue: failed';
        case 'no folders': return '$(circle-slash) Parseltongue: no folder';
        default: return `$(type-hierarchy) ${formatCount(s?.entities ?? 0)} entities`;
    }
}

function rootLines(r: RootStats): string[] {
    const when = r.lastUpdateUnix ? new Date(r.lastUpdateUnix * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'never';
    const lines = [
        `${shortLocation(r.root, undefined)}: ${r.state}`,
        `  ${formatCount(r.files)} files, ${formatCount(r.entities)} entities, ${formatCount(r.edges)} edges`,
        `  database ${r.database} (${formatBytes(r.databaseBytes)})`,
        `  last update ${when} (${r.lastUpdateMs.toFixed(1)} ms), ${r.updates} updates, ${r.pendingUpdates} pending`,
    ];
    if (r.error) lines.push(`  error: ${r.error}`);
    return lines;
}

/** The multi-line report of Show Index Status (also the status bar tooltip). */
export function statusReport(s: StatsResult): string {
    const head = `Index ${indexState(s)}: ${formatCount(s.files)} files, ${formatCount(s.entities)} entities, ` +
        `${formatCount(s.edges)} edges (positions: ${s.positionEncoding})`;
    return [head, ...s.roots.flatMap(rootLines)].join('\n');
}
