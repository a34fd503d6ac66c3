/**
 * The VS Code side: starts `parseltongue --stdio` through vscode-languageclient,
 * registers the commands and the status bar item. What is sent to the server
 * and how answers are shown as text lives in ./protocol (no `vscode` there),
 * which the integration test drives against the real server.
 */
import * as fs from 'fs';
import * as vscode from 'vscode';
import {
    FeatureState, LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerCapabilities, ServerOptions, State,
    StaticFeature,
} from 'vscode-languageclient/node';
import { entityTarget, GraphKind, graphTitle, rootFor } from './graph';
import { showGraph } from './graphView';
import * as P from './protocol';

const RUST_ANALYZER = 'rust-lang.rust-analyzer';
const RESTART_SETTINGS = ['serverPath', 'databaseDirectory', 'extraArgs', 'languageFeatures'];

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: StatusBar;
let results: ResultsView;
let extensionPath = '';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    output = vscode.window.createOutputChannel('Parseltongue', { log: true });
    status = new StatusBar();
    results = new ResultsView();
    extensionPath = context.extensionPath;
    context.subscriptions.push(output, status, results,
        vscode.window.createTreeView(P.RESULTS_VIEW, { treeDataProvider: results, showCollapseAll: true }));
    const reg = (id: string, fn: () => Promise<void>) =>
        context.subscriptions.push(vscode.commands.registerCommand(id, () => fn().catch(reportError)));
    reg(P.Commands.showBlastRadius, showBlastRadius);
    reg(P.Commands.showImplementations, showImplementations);
    reg(P.Commands.clearResults, () => results.show(undefined));
    context.subscriptions.push(vscode.commands.registerCommand(P.InternalCommands.showReferences,
        (...args: unknown[]) => showReferences(args).catch(reportError)));
    reg(P.Commands.findCycles, findCycles);
    reg(P.Commands.copyContext, copyContext);
    reg(P.Commands.reindex, reindex);
    reg(P.Commands.showStatus, showStatus);
    context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(e => {
        if (RESTART_SETTINGS.some(s => e.affectsConfiguration(`parseltongue.${s}`))) void restartClient();
    }));
    context.subscriptions.push(vscode.extensions.onDidChange(() => {
        if (client?.state === State.Running) applyFeaturePolicy(client);
    }));
    await startClient();
}

export async function deactivate(): Promise<void> {
    await stopClient();
}

// ---- the client -------------------------------------------------------------------

function settings(): P.Settings {
    const c = vscode.workspace.getConfiguration('parseltongue');
    return {
        serverPath: c.get<string>('serverPath', 'parseltongue'),
        databaseDirectory: c.get<string>('databaseDirectory', ''),
        extraArgs: c.get<string[]>('extraArgs', []),
    };
}

function folderPaths(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter(f => f.uri.scheme === 'file').map(f => f.uri.fsPath);
}

async function startClient(): Promise<void> {
    const launch = P.serverLaunch(settings(),
        { workspaceFolders: folderPaths(), env: process.env, bundledServer: P.bundledServer(extensionPath) });
    output.info(`starting ${launch.command} ${launch.args.join(' ')}`);
    // Transport left unset: stdio, and the client adds no arguments of its own.
    const serverOptions: ServerOptions = { command: launch.command, args: launch.args, options: launch.options };
    const clientOptions: LanguageClientOptions = {
        // Only Rust files on disk: the graph is built from the workspace's files.
        documentSelector: [{ scheme: 'file', language: 'rust' }],
        outputChannel: output,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: P.initializationOptions(
            vscode.workspace.getConfiguration('parseltongue').get<boolean>('codeLens.enable', true)),
        // workspace/didChangeConfiguration {settings: {parseltongue: …}} at start and on every
        // change: the server turns code lenses on and off from it at once
        synchronize: { configurationSection: 'parseltongue' },
        middleware: {
            handleWorkDoneProgress: (token, params, next) => {
                next(token, params);
                status.onProgress(params.kind);
            },
        },
    };
    if (!P.resolveCommand(launch.command, launch.options.env.PATH)) {
        await reportMissingServer(launch.command);
        return;
    }
    try {
        // The id 'parseltongue' makes the client read `parseltongue.trace.server`.
        const c = new LanguageClient('parseltongue', 'Parseltongue', serverOptions, clientOptions);
        client = c;
        c.registerFeature(new FeaturePolicy());
        c.onDidChangeState(() => status.refreshSoon());
        await c.start();
        await vscode.commands.executeCommand('setContext', 'parseltongue.active', true);
    } catch (e) {
        // the client has shown its own message already
        status.failed(errorText(e));
        return;
    }
    status.refreshSoon();
}

async function reportMissingServer(command: string): Promise<void> {
    status.failed(`${command}: not found`);
    const open = 'Open Settings';
    const pick = await vscode.window.showErrorMessage(`Parseltongue: the server '${command}' was not found` +
        (command.includes('/') ? '' : ' on PATH') + '. Install the platform package (linux-x64), put parseltongue on PATH, ' +
        'or set parseltongue.serverPath to the parseltongue binary.', open);
    if (pick === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'parseltongue.serverPath');
}

async function stopClient(): Promise<void> {
    const c = client;
    client = undefined;
    if (c && c.state !== State.Stopped) {
        try { await c.stop(); } catch (e) { output.info(`stop: ${errorText(e)}`); }
    }
}

async function restartClient(): Promise<void> {
    await stopClient();
    await startClient();
}

/** The standard features to leave to rust-analyzer now (see DUPLICATED_FEATURES in ./protocol for why). */
function droppedNow(): string[] {
    const mode = vscode.workspace.getConfiguration('parseltongue').get<string>('languageFeatures', 'auto');
    return P.droppedFeatures(mode, vscode.extensions.getExtension(RUST_ANALYZER) !== undefined);
}

/**
 * Registered after the client's built-in features, so its preInitialize runs
 * after theirs and before any of them registers a provider, at every (re)start:
 * it removes the dropped features' capabilities from the client's copy of the
 * server capabilities, and those providers are never registered.
 */
class FeaturePolicy implements StaticFeature {
    fillClientCapabilities(): void { /* nothing to announce */ }
    preInitialize(capabilities: ServerCapabilities): void {
        const removed = P.stripCapabilities(capabilities as Record<string, unknown>, droppedNow());
        if (removed.length) output.info(`left to rust-analyzer: ${removed.join(', ')}`);
    }
    initialize(): void { /* all done in preInitialize */ }
    getState(): FeatureState { return { kind: 'static' }; }
    clear(): void { /* stateless */ }
}

/** rust-analyzer installed while the server runs: unregister the duplicates now. */
function applyFeaturePolicy(c: LanguageClient): void {
    const getFeature = c.getFeature.bind(c) as unknown as (method: string) => { clear(): void } | undefined;
    for (const method of droppedNow()) getFeature(method)?.clear();
}

function running(): LanguageClient {
    if (!client || client.state !== State.Running) throw new UserError('the Parseltongue server is not running.');
    return client;
}

async function request<R>(method: string, params?: object): Promise<R | null> {
    return await running().sendRequest<R | null>(method, params);
}

class UserError extends Error {}

function errorText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

function reportError(e: unknown): void {
    if (e instanceof UserError) void vscode.window.showWarningMessage(`Parseltongue: ${e.message}`);
    else void vscode.window.showErrorMessage(`Parseltongue: ${errorText(e)}`);
}

/** The cursor of the active Rust editor, as protocol values. */
function cursor(): { editor: vscode.TextEditor; uri: string; position: P.Position } {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'rust' || editor.document.uri.scheme !== 'file') {
        throw new UserError('put the cursor on a symbol in a Rust file first.');
    }
    const c = running();
    const p = editor.selection.active;
    return { editor, uri: c.code2ProtocolConverter.asUri(editor.document.uri), position: { line: p.line, character: p.character } };
}

async function rootUris(): Promise<string[]> {
    const s = await request<P.StatsResult>(P.Methods.stats, P.statsParams());
    return s ? s.roots.map(r => r.root) : [];
}

// ---- locations -------------------------------------------------------------------

function toLocation(l: P.Location): vscode.Location {
    const c = running();
    return new vscode.Location(c.protocol2CodeConverter.asUri(l.uri), c.protocol2CodeConverter.asRange(l.range));
}

async function reveal(l: P.Location | undefined, preview: boolean): Promise<void> {
    if (!l) return;
    const loc = toLocation(l);
    await vscode.window.showTextDocument(loc.uri, { selection: loc.range, preview, preserveFocus: preview });
}

function entityLocation(e: P.Entity): P.Location | undefined {
    const range = e.selectionRange ?? e.range;
    return e.uri && range ? { uri: e.uri, range } : undefined;
}

interface Item extends vscode.QuickPickItem { location?: P.Location; run?: () => Thenable<unknown> }

/**
 * A QuickPick that previews the active item in the editor and opens the
 * accepted one; cancelled (or running an action item), it goes back to where
 * the cursor was, as VS Code's own pickers do.
 */
function pickLocation(title: string, items: Item[], placeholder: string): void {
    const origin = vscode.window.activeTextEditor;
    const originSelection = origin?.selection;
    let previewed = false;
    let accepted: Item | undefined;
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = title;
    qp.placeholder = placeholder;
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.items = items;
    qp.onDidChangeActive(a => {
        if (!a[0]?.location) return;
        previewed = true;
        reveal(a[0].location, true).catch(reportError);
    });
    qp.onDidAccept(() => {
        accepted = qp.selectedItems[0];
        qp.hide();
    });
    qp.onDidHide(() => {
        qp.dispose();
        const go = async () => {
            if (previewed && origin && !accepted?.location) {
                await vscode.window.showTextDocument(origin.document, { viewColumn: origin.viewColumn, selection: originSelection });
            }
            if (accepted?.run) await accepted.run();
            else if (accepted?.location) await reveal(accepted.location, false);
        };
        go().catch(reportError);
    });
    qp.show();
}

// ---- commands -----------------------------------------------------------------------

async function showBlastRadius(): Promise<void> {
    const { uri, position } = cursor();
    const depth = vscode.workspace.getConfiguration('parseltongue').get<number>('blastRadiusDepth', 3);
    const r = await request<P.BlastRadiusResult>(P.Methods.blastRadius, P.blastRadiusParams(uri, position, depth));
    if (!r) throw new UserError('no entity at the cursor.');
    await results.show(P.blastRadiusTree(r, await rootUris()));
    await drawGraph('blast-radius', r.target.uri ?? uri, r.target, depth);
}

async function showImplementations(): Promise<void> {
    const { uri, position } = cursor();
    const r = await request<P.WhatImplementsResult>(P.Methods.whatImplements, P.whatImplementsParams(uri, position));
    if (!r) throw new UserError('no entity at the cursor.');
    await results.show(P.implementationsTree(r, await rootUris()));
}

/** A code lens clicked: its locations in VS Code's references view. */
async function showReferences(args: unknown[]): Promise<void> {
    const a = P.showReferencesArgs(args);
    if (!a) throw new Error('a code lens with unexpected arguments');
    const c = running();
    await vscode.commands.executeCommand('editor.action.showReferences', c.protocol2CodeConverter.asUri(a.uri),
        new vscode.Position(a.position.line, a.position.character), a.locations.map(toLocation));
}

async function findCycles(): Promise<void> {
    const r = await request<P.FindCyclesResult>(P.Methods.findCycles, P.findCyclesParams('all'));
    if (!r || r.cycles.length === 0) {
        void vscode.window.showInformationMessage('Parseltongue: no dependency cycles.');
        return;
    }
    const roots = await rootUris();
    await drawGraph('find-cycles', vscode.window.activeTextEditor?.document.uri.toString());
    const qp = vscode.window.createQuickPick<Item & { cycle: P.Cycle }>();
    qp.title = `Parseltongue: ${P.cyclesSummary(r)}`;
    qp.placeholder = 'A cycle to walk through';
    qp.matchOnDetail = true;
    qp.items = r.cycles.map(c => ({ ...P.cyclePickItem(c), cycle: c }));
    qp.onDidAccept(() => {
        const c = qp.selectedItems[0]?.cycle;
        qp.hide();
        if (!c) return;
        pickLocation(`${c.level} cycle: ${P.cycleMembersText(c)}`,
            c.members.map(m => ({ ...P.entityPickItem(m, roots), location: entityLocation(m) })), 'A member to open');
    });
    qp.onDidHide(() => qp.dispose());
    qp.show();
}

/**
 * The picture beside the editor (parseltongue.graphView): the page the
 * binary's `export --format html` writes for the folder holding `uri`. A
 * picture that cannot be drawn is a warning: the answer is shown anyway.
 */
async function drawGraph(kind: GraphKind, uri: string | undefined, target?: P.Entity, depth?: number): Promise<void> {
    if (!vscode.workspace.getConfiguration('parseltongue').get<boolean>('graphView', true)) return;
    try {
        const stats = await request<P.StatsResult>(P.Methods.stats, P.statsParams());
        const fsPath = uri?.startsWith('file:') ? vscode.Uri.parse(uri).fsPath : stats?.roots[0]?.root ?? '';
        const root = rootFor(stats, fsPath) ?? stats?.roots[0];
        if (!root) throw new Error('no indexed folder');
        const launch = P.serverLaunch(settings(),
            { workspaceFolders: folderPaths(), env: process.env, bundledServer: P.bundledServer(extensionPath) });
        const command = P.resolveCommand(launch.command, launch.options.env.PATH);
        if (!command) throw new Error(`${launch.command}: not found`);
        const t = target ? entityTarget(root.root, target) : undefined;
        if (target && !t) throw new Error(`${target.qualifiedName} is outside the indexed folders`);
        await showGraph(kind, graphTitle(kind, target), command, root.root, root.database, { target: t, depth });
    } catch (e) {
        void vscode.window.showWarningMessage(`Parseltongue: the graph could not be drawn: ${errorText(e)}`);
    }
}

async function copyContext(): Promise<void> {
    const { uri, position } = cursor();
    const tokens = vscode.workspace.getConfiguration('parseltongue').get<number>('contextTokens', 2000);
    const r = await request<P.GenerateContextResult>(P.Methods.generateContext, P.generateContextParams(uri, position, tokens));
    if (!r) throw new UserError('no entity at the cursor.');
    await vscode.env.clipboard.writeText(r.text);
    void vscode.window.showInformationMessage(`Parseltongue: ${P.contextMessage(r, tokens)}`);
}

async function reindex(): Promise<void> {
    const rescan = { label: '$(sync) Rescan the workspace', detail: 'Compare every file with the index and update what changed (fast).' };
    const rebuild = { label: '$(trash) Rebuild from scratch', detail: 'Restart the server with an empty database (data.mdb and lock.mdb are deleted).' };
    const pick = await vscode.window.showQuickPick([rescan, rebuild], { title: 'Parseltongue: Reindex Workspace' });
    if (pick === rescan) {
        const roots = await rootUris();
        if (roots.length === 0) throw new UserError('no workspace folder is indexed.');
        await running().sendNotification(P.Methods.didChangeWatchedFiles, P.reindexParams(roots));
        status.onProgress('begin');
        void vscode.window.showInformationMessage(`Parseltongue: rescanning ${roots.length} folder${roots.length === 1 ? '' : 's'}.`);
    } else if (pick === rebuild) {
        const s = await request<P.StatsResult>(P.Methods.stats, P.statsParams());
        if (!s) throw new UserError('the server gave no statistics.');
        await stopClient();
        for (const f of P.databaseFilesToDelete(s)) {
            output.info(`rebuild: deleting ${f}`);
            fs.rmSync(f, { force: true });
        }
        await startClient();
    }
}

async function showStatus(): Promise<void> {
    const s = await request<P.StatsResult>(P.Methods.stats, P.statsParams());
    if (!s) throw new UserError('the server gave no statistics.');
    status.update(s);
    const [head, ...rest] = P.statusReport(s).split('\n');
    const again = 'Reindex';
    const pick = await vscode.window.showInformationMessage(`Parseltongue: ${head}`, { modal: true, detail: rest.join('\n') }, again);
    if (pick === again) await reindex();
}

// ---- status bar ----------------------------------------------------------------------

/** Index state and entity count from parseltongue/stats: polled every 2 s while indexing, 30 s otherwise, and on progress. */
class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('parseltongue.status', vscode.StatusBarAlignment.Left, 10);
    private timer: NodeJS.Timeout | undefined;
    private last: P.StatsResult | undefined;

    constructor() {
        this.item.name = 'Parseltongue';
        this.item.command = P.Commands.showStatus;
        this.item.text = P.statusBarText(undefined);
        this.item.tooltip = 'Parseltongue: starting';
        this.item.show();
    }

    onProgress(kind: string): void {
        if (kind === 'begin') this.item.text = '$(sync~spin) Parseltongue: indexing';
        this.refreshSoon(kind === 'end' ? 50 : 500);
    }

    failed(why: string): void {
        this.stopTimer();
        this.item.text = '$(error) Parseltongue: not running';
        this.item.tooltip = why;
    }

    update(s: P.StatsResult): void {
        this.last = s;
        this.item.text = P.statusBarText(s);
        this.item.tooltip = P.statusReport(s);
    }

    refreshSoon(ms = 200): void {
        this.stopTimer();
        this.timer = setTimeout(() => void this.refresh(), ms);
    }

    private async refresh(): Promise<void> {
        this.timer = undefined;
        const c = client;
        if (!c || c.state !== State.Running) {
            this.item.text = c?.state === State.Starting ? P.statusBarText(undefined) : '$(circle-slash) Parseltongue: stopped';
            if (c?.state === State.Starting) this.refreshSoon(1000);
            return;
        }
        try {
            const s = await c.sendRequest<P.StatsResult | null>(P.Methods.stats, P.statsParams());
            if (s) this.update(s);
        } catch (e) {
            this.item.tooltip = `parseltongue/stats: ${errorText(e)}`;
        }
        const busy = ['starting', 'indexing'].includes(P.indexState(this.last));
        this.refreshSoon(busy ? 2000 : 30000);
    }

    private stopTimer(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
    }

    dispose(): void {
        this.stopTimer();
        this.item.dispose();
    }
}

// ---- the results view ----------------------------------------------------------------

/** Blast radius and implementations as a tree in the Explorer; selecting a node opens its place. */
class ResultsView implements vscode.TreeDataProvider<P.ResultNode>, vscode.Disposable {
    private readonly changed = new vscode.EventEmitter<P.ResultNode | undefined>();
    readonly onDidChangeTreeData = this.changed.event;
    private root: P.ResultNode | undefined;

    async show(root: P.ResultNode | undefined): Promise<void> {
        this.root = root;
        this.changed.fire(undefined);
        if (root) await vscode.commands.executeCommand(`${P.RESULTS_VIEW}.focus`);
    }

    getChildren(node?: P.ResultNode): P.ResultNode[] {
        if (!node) return this.root ? [this.root] : [];
        return node.children;
    }

    getTreeItem(node: P.ResultNode): vscode.TreeItem {
        const state = node.children.length === 0 ? vscode.TreeItemCollapsibleState.None
            : node === this.root || node.children.length <= 20 ? vscode.TreeItemCollapsibleState.Expanded
                : vscode.TreeItemCollapsibleState.Collapsed;
        const item = new vscode.TreeItem(node.label, state);
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        if (node.location) {
            const loc = toLocation(node.location);
            item.command = { title: 'Open', command: 'vscode.open', arguments: [loc.uri, { selection: loc.range }] };
        }
        return item;
    }

    dispose(): void {
        this.changed.dispose();
    }
}
