/**
 * The graph view's plumbing, without `vscode` (test/graph.ts drives it
 * against the real binary): which database and command draw a picture, and
 * what a click in the picture may open.
 *
 * The picture is the page `parseltongue export --format html` writes (the
 * viewer in ../viewer, the same page a person opens from a file): the
 * extension runs the server binary with these arguments and shows the page
 * in a webview. In a webview the page posts {type: 'open', file, line,
 * column} when a location is clicked (file relative to the indexed folder,
 * line and column 1-based) instead of following a file: link.
 */
import * as path from 'path';
import { fileURLToPath } from 'url';
import type { Entity, RootStats, StatsResult } from './protocol';

export type GraphKind = 'blast-radius' | 'find-cycles';

/** The indexed folder holding fsPath (the deepest, when folders nest). */
export function rootFor(stats: StatsResult | null | undefined, fsPath: string): RootStats | undefined {
    let best: RootStats | undefined;
    for (const r of stats?.roots ?? []) {
        if (!r.root || !r.database) continue;
        const rel = path.relative(r.root, fsPath);
        if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
        if (!best || r.root.length > best.root.length) best = r;
    }
    return best;
}

/**
 * The CLI's target for an entity the server answered with: `FILE:LINE:COL`,
 * the file relative to the folder, line and column 1-based, where its name
 * is (the innermost entity there is the one meant). Undefined for an entity
 * outside the folder.
 */
export function entityTarget(root: string, e: Entity): string | undefined {
    const at = e.selectionRange ?? e.range;
    if (!e.uri || !at || !e.uri.startsWith('file:')) return undefined;
    const rel = path.relative(root, fileURLToPath(e.uri));
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return `${rel.split(path.sep).join('/')}:${at.start.line + 1}:${at.start.character + 1}`;
}

/** The arguments of `parseltongue export` that write the page to stdout. */
export function exportArgs(kind: GraphKind, database: string, opts: { target?: string; depth?: number } = {}): string[] {
    const args = ['export', '--db', database, '--format', 'html', '-o', '-', '--query', kind];
    if (kind === 'blast-radius') {
        if (!opts.target) throw new Error('a blast radius needs a target');
        args.push(opts.target, '--depth', String(Math.max(1, Math.min(64, Math.round(opts.depth ?? 3)))));
    }
    return args;
}

export interface OpenRequest { file: string; line: number; column: number }

/**
 * What a message from the page asks to open, or undefined when it is not
 * such a request or names a file outside the folder (the page is ours, but
 * file names in it come from the repository).
 */
export function openRequest(msg: unknown, root: string): OpenRequest | undefined {
    if (typeof msg !== 'object' || msg === null) return undefined;
    const m = msg as Record<string, unknown>;
    if (m.type !== 'open' || typeof m.file !== 'string' || !m.file) return undefined;
    const file = path.resolve(root, m.file);
    const rel = path.relative(root, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 1);
    return { file, line: int(m.line), column: int(m.column) };
}

/** The panel's title. */
export function graphTitle(kind: GraphKind, target?: Entity): string {
    return kind === 'blast-radius' ? `Blast radius: ${target?.name ?? '?'}` : 'Dependency cycles';
}
