// The graph the page carries, as the exporter wrote it (cli/export_html.c),
// indexed for drawing: a graphlib multigraph, the cycles, and the paths
// between the targets and any node.
import { graphlib } from '@dagrejs/dagre';

export const FORMAT_VERSION = 1;

// Read the JSON block the exporter wrote into the page. Throws with a
// sentence a person can act on when the block is missing or malformed.
export function readGraph(doc) {
	const el = doc.getElementById('pt-graph');
	if (!el) throw new Error('this page carries no graph (no #pt-graph block)');
	const data = JSON.parse(el.textContent);
	if (data.version !== FORMAT_VERSION)
		throw new Error(`graph format ${data.version}, this viewer reads ${FORMAT_VERSION}`);
	return data;
}

// The cycles to colour: the exporter's own when it sent them (find-cycles
// sends the ones its query found), otherwise the strongly connected
// components of two or more nodes of what is drawn.
function cyclesOf(g, data) {
	if (Array.isArray(data.cycles))
		return data.cycles.map((c) => c.filter((id) => g.hasNode(id))).filter((c) => c.length > 1);
	return graphlib.alg.tarjan(g).filter((c) => c.length > 1);
}

// One edge per ordered pair of nodes: several calls from one function to
// another are one arrow (the layout's cost grows with the edges, and a
// person reads one arrow better than a bundle). The merged edge keeps the
// first site, the relations in order, and how many edges it stands for.
function mergeParallel(list) {
	const byPair = new Map();
	const out = [];
	for (const e of list) {
		const key = `${e.from} ${e.to}`;
		const m = byPair.get(key);
		if (!m) {
			const first = { ...e, kinds: [e.kind], count: e.count || 1, name: String(out.length) };
			byPair.set(key, first);
			out.push(first);
			continue;
		}
		if (!m.kinds.includes(e.kind)) m.kinds.push(e.kind);
		m.kind = m.kinds.join(' ');
		m.count += e.count || 1;
		m.ambiguous = m.ambiguous && e.ambiguous;
	}
	return out;
}

// data: {nodes: [{id, name, kind, path, file, line, ...}], edges: [{from,
// to, kind, ...}], targets: [id], cycles?: [[id]]}. Edges whose ends are not
// among the nodes are dropped (a file written by hand may have them).
export function buildModel(data) {
	const g = new graphlib.Graph({ multigraph: true });
	const byId = new Map();
	for (const n of data.nodes) {
		byId.set(n.id, n);
		g.setNode(n.id, n);
	}
	const edges = mergeParallel(data.edges.filter((e) => byId.has(e.from) && byId.has(e.to)));
	for (const e of edges) g.setEdge(e.from, e.to, e, e.name);
	const cycles = cyclesOf(g, data);
	const cycleOf = new Map();
	cycles.forEach((c, i) => c.forEach((id) => cycleOf.set(id, i)));
	const targets = (data.targets || []).filter((id) => byId.has(id));
	const hasDepth = data.nodes.length > 0 && data.nodes.every((n) => Number.isInteger(n.depth));
	return { data, g, byId, nodes: data.nodes, edges, cycles, cycleOf, targets: new Set(targets), hasDepth };
}

// Whether edge e joins two nodes of one cycle (its index, or -1).
export function edgeCycle(m, e) {
	const a = m.cycleOf.get(e.from);
	return a !== undefined && a === m.cycleOf.get(e.to) ? a : -1;
}

function walkBack(g, dist, from, to) {
	const nodes = [to];
	for (let v = to; v !== from; v = dist[v].predecessor) nodes.push(dist[v].predecessor);
	return nodes.reverse();
}

// The shortest path, following edge direction, from a to b among the
// sources and sinks given; null when there is none.
function shortest(m, sources, sinks) {
	let best = null;
	for (const s of sources) {
		const dist = graphlib.alg.dijkstra(m.g, s);
		for (const t of sinks) {
			const d = dist[t] && dist[t].distance;
			if (d !== undefined && d !== Infinity && (!best || d < best.d))
				best = { d, nodes: walkBack(m.g, dist, s, t) };
		}
	}
	return best;
}

// The path between a target and node id: the node's way to a target along
// the edges (a blast radius points at its target), else a target's way to
// the node. {nodes: [id], edges: [edge]}; null when none joins them.
export function pathFromTarget(m, id) {
	if (!m.targets.size || m.targets.has(id)) return null;
	const p = shortest(m, [id], m.targets) || shortest(m, m.targets, [id]);
	if (!p) return null;
	const edges = [];
	for (let i = 0; i + 1 < p.nodes.length; i++) {
		const out = m.g.outEdges(p.nodes[i], p.nodes[i + 1]) || [];
		if (out.length) edges.push(m.g.edge(out[0]));
	}
	return { nodes: p.nodes, edges };
}

// The edges in and out of a node.
export function neighbourhood(m, id) {
	const ins = (m.g.inEdges(id) || []).map((e) => m.g.edge(e));
	const outs = (m.g.outEdges(id) || []).map((e) => m.g.edge(e));
	return { ins, outs };
}

// Nodes whose name or path holds q (case-insensitive), in drawing order.
export function search(m, q) {
	const s = q.trim().toLowerCase();
	if (!s) return [];
	return m.nodes.filter(
		(n) => (n.name || '').toLowerCase().includes(s) || (n.path || '').toLowerCase().includes(s),
	);
}
