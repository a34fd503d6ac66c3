// Layered layout of the model by dagre (Sugiyama-style: cycles broken,
// ranks assigned, crossings reduced, coordinates placed). The viewer only
// sizes the boxes and reads the positions back.
import dagre from '@dagrejs/dagre';

export const FONT_NAME = '600 13px system-ui, sans-serif';
export const FONT_SUB = '11px system-ui, sans-serif';
const PAD_X = 10;
const BOX_H = 38;
const SUB_MAX = 56; // characters of the second line before an ellipsis
const DENSE_EDGES = 800; // edges beyond which dagre skips its extra ordering passes
const TRY_ACROSS_MAX = 400; // nodes up to which both directions are tried
// The smallest scale at which the names in the boxes are still legible.
export const MIN_READABLE = 0.6;

// The second line of a node's box: its kind, and where it lives.
export function subLabel(n, view) {
	let where = '';
	if (view !== 'module' && view !== 'crate' && n.path && n.name && n.path.endsWith(n.name))
		where = n.path.slice(0, n.path.length - n.name.length).replace(/::$/, '');
	const s = where ? `${n.kind} · ${where}` : n.kind || '';
	return s.length > SUB_MAX ? `${s.slice(0, SUB_MAX - 1)}…` : s;
}

// The first line: the name, or the whole path where names repeat (modules).
export function mainLabel(n, view) {
	return view === 'module' || view === 'crate' ? n.path || n.name : n.name || n.path;
}

// Which edges the layout places. A node's edge to itself (recursion) is
// drawn as a loop beside its box. When the nodes carry their distance from
// the target (a query's answer), only the edges between one layer and the
// next are laid out, so that each layer is one distance: the others (a
// caller at distance 2 that also calls the target) are drawn over the
// layers as arcs (draw.js).
function laysOut(m, e) {
	if (e.from === e.to) return false;
	const a = m.byId.get(e.from).depth, b = m.byId.get(e.to).depth;
	if (!m.hasDepth) return true;
	return Math.abs(a - b) === 1;
}

function measurer(doc) {
	const ctx = doc.createElement('canvas').getContext('2d');
	return (text, font) => {
		ctx.font = font;
		return ctx.measureText(text).width;
	};
}

// Which way the layers run: a blast radius puts its target first and what
// it reaches after (its edges point at the target: sinks first), top to
// bottom, or left to right when that fits the window better.
function rankdir(view, across) {
	const toTarget = view === 'blast-radius' || view === 'callers' || view === 'references';
	if (across) return toTarget ? 'RL' : 'LR';
	return toTarget ? 'BT' : 'TB';
}

function run(m, sizes, dir) {
	const g = new dagre.graphlib.Graph({ multigraph: true });
	g.setGraph({ rankdir: dir, nodesep: 22, ranksep: 56, edgesep: 8, marginx: 24, marginy: 24 });
	for (const n of m.nodes) g.setNode(n.id, { ...sizes.get(n.id) });
	for (const e of m.edges) if (laysOut(m, e)) g.setEdge(e.from, e.to, { minlen: 1, weight: 1 }, e.name);
	// dagre's extra ordering passes cost more than they give on dense graphs.
	dagre.layout(g, { disableOptimalOrderHeuristic: m.edges.length > DENSE_EDGES });
	const pos = new Map();
	for (const id of g.nodes()) {
		const n = g.node(id);
		pos.set(id, { x: n.x, y: n.y, w: n.width, h: n.height });
	}
	const points = new Map();
	for (const e of g.edges()) points.set(e.name, g.edge(e).points || []);
	const gr = g.graph();
	return { width: gr.width || 0, height: gr.height || 0, pos, points, rankdir: dir };
}

// The scale at which a layout fits a window of that size.
const fitScale = (lay, win) => Math.min(win.width / Math.max(lay.width, 1), win.height / Math.max(lay.height, 1));

// Lays m out for a window of win = {width, height}; returns {width,
// height, pos: Map id → {x, y, w, h}, points: Map edge name → [{x, y}],
// rankdir}. Layers run down the window; when that drawing would be too
// small to read (a wide fan of callers, say) and the graph is small enough
// to lay out twice, across too, and the larger drawing wins.
export function layout(m, doc, win) {
	const view = m.data.view;
	const measure = measurer(doc);
	const sizes = new Map();
	for (const n of m.nodes) {
		const w = Math.max(measure(mainLabel(n, view), FONT_NAME), measure(subLabel(n, view), FONT_SUB));
		sizes.set(n.id, { width: Math.ceil(w) + 2 * PAD_X, height: BOX_H });
	}
	const down = run(m, sizes, rankdir(view, false));
	if (!win || fitScale(down, win) >= MIN_READABLE || m.nodes.length > TRY_ACROSS_MAX) return down;
	const across = run(m, sizes, rankdir(view, true));
	return fitScale(across, win) > fitScale(down, win) ? across : down;
}
