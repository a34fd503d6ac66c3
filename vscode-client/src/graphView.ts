/**
 * The graph view: the page `parseltongue export --format html` writes,
 * shown in a webview beside the editor by Show Blast Radius and Find
 * Cycles. A click on a location in it opens the file there. One panel per
 * kind of picture, reused.
 */
import { execFile } from 'child_process';
import * as vscode from 'vscode';
import { exportArgs, GraphKind, openRequest } from './graph';

const panels = new Map<GraphKind, vscode.WebviewPanel>();
/** The folder each panel's page is relative to (its messages name files in it). */
const roots = new Map<GraphKind, string>();

/** How long the binary may take to write a page (a large graph is refused by it). */
const EXPORT_TIMEOUT_MS = 60000;
const EXPORT_MAX_BYTES = 64 * 1024 * 1024;

function runExport(command: string, args: string[], cwd: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(command, args, { cwd, timeout: EXPORT_TIMEOUT_MS, maxBuffer: EXPORT_MAX_BYTES, encoding: 'utf8' },
            (err, stdout, stderr) => {
                if (err) reject(new Error(stderr.trim().split('\n').pop() || err.message));
                else resolve(stdout);
            });
    });
}

async function open(kind: GraphKind, msg: unknown): Promise<void> {
    const root = roots.get(kind);
    const req = root ? openRequest(msg, root) : undefined;
    if (!req) return;
    const pos = new vscode.Position(req.line - 1, req.column - 1);
    await vscode.window.showTextDocument(vscode.Uri.file(req.file),
        { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos) });
}

function panelFor(kind: GraphKind, title: string): vscode.WebviewPanel {
    const old = panels.get(kind);
    if (old) {
        old.title = title;
        old.reveal(vscode.ViewColumn.Beside, true);
        return old;
    }
    // The page loads nothing (its Content-Security-Policy allows only its own
    // script and style), so no local resource is reachable either.
    const p = vscode.window.createWebviewPanel(`parseltongue.graph.${kind}`, title,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, localResourceRoots: [], enableFindWidget: true });
    p.webview.onDidReceiveMessage(m => open(kind, m).catch(e => void vscode.window.showErrorMessage(`Parseltongue: ${String(e)}`)));
    p.onDidDispose(() => {
        panels.delete(kind);
        roots.delete(kind);
    });
    panels.set(kind, p);
    return p;
}

/**
 * Draws a picture: runs `command export ... --format html` for the folder
 * `root` (indexed in `database`) and shows the page. Rejects with the
 * binary's own message when it cannot draw (too large, no such target).
 */
export async function showGraph(kind: GraphKind, title: string, command: string, root: string, database: string,
    opts: { target?: string; depth?: number } = {}): Promise<void> {
    const html = await runExport(command, exportArgs(kind, database, opts), root);
    const p = panelFor(kind, title);
    roots.set(kind, root);
    p.webview.html = html;
}
