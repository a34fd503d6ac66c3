// Draws the laid-out model as SVG: a group per node (box, name, kind line,
// tooltip) and per edge (curve through dagre's points, arrow, tooltip).
// Pan and zoom by d3-zoom. Every element carries its ids in data-
// attributes, so a test (or a person's devtools) finds what is drawn.
import { select } from 'd3-selection';
import { line, curveBasis } from 'd3-shape';
import { zoom, zoomIdentity, zoomTransform } from 'd3-zoom';
import { MIN_READABLE, mainLabel, subLabel } from './layout.js';
import { edgeCycle } from './model.js';

// One colour per cycle, so that two cycles side by side are told apart.
export const CYCLE_COLOURS = ['#d62728', '#e6550d', '#c51b8a', '#a50f15', '#f16913', '#8c2d04'];

function where(o) {
	return o.file ? `${o.file}:${o.line}` : '';
}

function nodeTitle(n) {
	const at = where(n);
	return `${n.path || n.name} (${n.kind})${at ? `\n${at}` : ''}`;
}

function edgeTitle(e, m) {
	const a = m.byId.get(e.from), b = m.byId.get(e.to);
	const count = e.count > 1 ? ` (${e.count} references)` : '';
	const at = where(e);
	return `${a.path} ${e.kind} ${b.path}${count}${at ? `\nat ${at}` : ''}${e.ambiguous ? '\nambiguous: one of several candidates' : ''}`;
}

// An arrowhead per colour: SVG 1.1 markers cannot take the colour of the
// line they end.
function defineMarkers(defs, colours) {
	for (const [id, colour] of colours) {
		defs.append('marker')
			.attr('id', id)
			.attr('viewBox', '0 0 10 10')
			.attr('refX', 9)
			.attr('refY', 5)
			.attr('markerWidth', 7)
			.attr('markerHeight', 7)
			.attr('orient', 'auto-start-reverse')
			.append('path')
			.attr('d', 'M0,0 L10,5 L0,10 z')
			.attr('fill', colour);
	}
}

// A loop on the right side of the box, for an edge from a node to itself.
function selfLoop(p) {
	const x = p.x + p.w / 2, y = p.y;
	return `M${x},${y - 8} C${x + 34},${y - 26} ${x + 34},${y + 26} ${x},${y + 8}`;
}

// Where the segment from the centre of box p towards (x, y) leaves the box.
function border(p, x, y) {
	const dx = x - p.x, dy = y - p.y;
	const t = Math.min(Math.abs(dx) > 0 ? p.w / 2 / Math.abs(dx) : Infinity, Math.abs(dy) > 0 ? p.h / 2 / Math.abs(dy) : Infinity);
	return { x: p.x + dx * Math.min(t, 1), y: p.y + dy * Math.min(t, 1) };
}

// An edge the layout did not place: an arc from box to box, bent to one
// side so that it does not run along the boxes of a layer.
function arc(a, b) {
	const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
	const dx = b.x - a.x, dy = b.y - a.y;
	const len = Math.hypot(dx, dy) || 1;
	const bend = Math.min(80, 0.2 * len);
	const cx = mx - (dy / len) * bend, cy = my + (dx / len) * bend;
	const s = border(a, cx, cy), e = border(b, cx, cy);
	return `M${s.x},${s.y} Q${cx},${cy} ${e.x},${e.y}`;
}

function drawEdges(layer, m, lay) {
	const curve = line().x((p) => p.x).y((p) => p.y).curve(curveBasis);
	const d = (e) => {
		if (e.from === e.to) return selfLoop(lay.pos.get(e.from));
		const pts = lay.points.get(e.name);
		return pts ? curve(pts) : arc(lay.pos.get(e.from), lay.pos.get(e.to));
	};
	const sel = layer.selectAll('g.edge').data(m.edges).join('g')
		.attr('class', (e) => `edge ${e.kinds.map((k) => `rel-${k}`).join(' ')}${e.ambiguous ? ' ambiguous' : ''}${edgeCycle(m, e) >= 0 ? ' cycle' : ''}${lay.points.has(e.name) ? '' : ' extra'}`)
		.attr('data-name', (e) => e.name)
		.attr('data-from', (e) => e.from)
		.attr('data-to', (e) => e.to)
		.attr('data-kind', (e) => e.kind)
		.style('--cycle', (e) => (edgeCycle(m, e) >= 0 ? CYCLE_COLOURS[edgeCycle(m, e) % CYCLE_COLOURS.length] : null));
	sel.append('title').text((e) => edgeTitle(e, m));
	sel.append('path')
		.attr('d', d)
		.attr('marker-end', (e) => `url(#${edgeCycle(m, e) >= 0 ? `arrow-c${edgeCycle(m, e) % CYCLE_COLOURS.length}` : 'arrow'})`);
	return sel;
}

function drawNodes(layer, m, lay) {
	const view = m.data.view;
	const sel = layer.selectAll('g.node').data(m.nodes).join('g')
		.attr('class', (n) => `node k-${n.kind}${m.targets.has(n.id) ? ' target' : ''}${m.cycleOf.has(n.id) ? ' in-cycle' : ''}${n.external ? ' external' : ''}`)
		.attr('data-id', (n) => n.id)
		.attr('data-path', (n) => n.path)
		.attr('data-cycle', (n) => (m.cycleOf.has(n.id) ? m.cycleOf.get(n.id) : null))
		.attr('transform', (n) => `translate(${lay.pos.get(n.id).x},${lay.pos.get(n.id).y})`)
		.attr('tabindex', 0)
		.style('--cycle', (n) => (m.cycleOf.has(n.id) ? CYCLE_COLOURS[m.cycleOf.get(n.id) % CYCLE_COLOURS.length] : null));
	sel.append('title').text(nodeTitle);
	sel.append('rect')
		.attr('x', (n) => -lay.pos.get(n.id).w / 2)
		.attr('y', (n) => -lay.pos.get(n.id).h / 2)
		.attr('width', (n) => lay.pos.get(n.id).w)
		.attr('height', (n) => lay.pos.get(n.id).h)
		.attr('rx', 5);
	sel.append('text').attr('class', 'name').attr('y', -3).text((n) => mainLabel(n, view));
	sel.append('text').attr('class', 'sub').attr('y', 12).text((n) => subLabel(n, view));
	return sel;
}

// Draws into the <svg> element; returns {nodes, edges (d3 selections),
// fit(), start() (the first view), focus(id), zoomBy(k)}.
export function draw(svgEl, m, lay) {
	const svg = select(svgEl);
	svg.selectAll('*').remove();
	const markers = [['arrow', '#7a7a7a'], ['arrow-path', '#1f5fbf']];
	CYCLE_COLOURS.forEach((c, i) => markers.push([`arrow-c${i}`, c]));
	defineMarkers(svg.append('defs'), markers);
	const viewport = svg.append('g').attr('class', 'viewport');
	const edges = drawEdges(viewport.append('g').attr('class', 'edges'), m, lay);
	const nodes = drawNodes(viewport.append('g').attr('class', 'nodes'), m, lay);
	const z = zoom().scaleExtent([0.05, 4]).on('zoom', (ev) => viewport.attr('transform', ev.transform));
	svg.call(z).on('dblclick.zoom', null);

	// The whole graph in the window (at most a little larger than life).
	function fit() {
		const { width, height } = svgEl.getBoundingClientRect();
		const k = Math.max(0.05, Math.min(1.2, 0.95 * Math.min(width / Math.max(lay.width, 1), height / Math.max(lay.height, 1))));
		svg.call(z.transform, zoomIdentity.translate((width - k * lay.width) / 2, (height - k * lay.height) / 2).scale(k));
	}
	// The first view: the whole graph when its names can still be read at
	// that scale; otherwise a readable scale around the targets (or the top
	// of the graph), where a person starts reading. Fit shows it all.
	function start() {
		const { width, height } = svgEl.getBoundingClientRect();
		if (0.95 * Math.min(width / Math.max(lay.width, 1), height / Math.max(lay.height, 1)) >= MIN_READABLE) return fit();
		const k = MIN_READABLE;
		const down = lay.rankdir === 'TB' || lay.rankdir === 'BT';
		const targets = [...m.targets].map((id) => lay.pos.get(id));
		const p = targets.length ? targets[0] : { x: down ? lay.width / 2 : 0, y: down ? 0 : lay.height / 2, w: 0, h: 0 };
		let x = width / 2 - k * p.x, y = height / 2 - k * p.y;
		if (down) y = height * 0.15 - k * (p.y - p.h / 2);
		else x = width * 0.1 - k * (p.x - p.w / 2);
		svg.call(z.transform, zoomIdentity.translate(x, y).scale(k));
	}
	function focus(id) {
		const p = lay.pos.get(id);
		const { width, height } = svgEl.getBoundingClientRect();
		const k = Math.max(1, zoomTransform(svgEl).k);
		svg.call(z.transform, zoomIdentity.translate(width / 2 - k * p.x, height / 2 - k * p.y).scale(k));
	}
	const zoomBy = (k) => svg.call(z.scaleBy, k);
	return { nodes, edges, fit, start, focus, zoomBy };
}
