// The Parseltongue graph viewer: reads the graph the page carries, lays it
// out (dagre), draws it (SVG) and wires up clicks, search and zoom. Runs in
// a standalone page (`parseltongue export --format html`) and in the VS
// Code webview, where a click on a location opens the file in the editor.
//
// When the drawing is done the root element gets data-ready="1" (and
// data-error="why" if it could not be drawn): tests wait for that.
import { draw, CYCLE_COLOURS } from './draw.js';
import { layout } from './layout.js';
import { buildModel, readGraph } from './model.js';
import { initUi } from './ui.js';

// Where a click on a location goes: the editor, in VS Code's webview; a
// file: link next to the page otherwise.
function makeHost(data) {
	const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;
	const root = (data.root || '').replace(/\/+$/, '');
	return {
		href(file) {
			if (vscode || !root) return '#';
			return `file://${`${root}/${file}`.split('/').map(encodeURIComponent).join('/')}`;
		},
		open(file, line, column) {
			if (!vscode) return false;
			vscode.postMessage({ type: 'open', file, line, column });
			return true;
		},
	};
}

function describe(m) {
	const c = m.cycles.length;
	return `${m.nodes.length} node${m.nodes.length === 1 ? '' : 's'}, ${m.edges.length} edge${m.edges.length === 1 ? '' : 's'}${c ? `, ${c} cycle${c === 1 ? '' : 's'}` : ''}`;
}

function legend(doc, m) {
	const box = doc.getElementById('legend');
	const kinds = [...new Set(m.nodes.map((n) => n.kind))].sort();
	for (const k of kinds) {
		const s = doc.createElement('span');
		s.className = `swatch k-${k}`;
		s.textContent = k;
		box.append(s);
	}
	if (m.targets.size) {
		const s = doc.createElement('span');
		s.className = 'swatch target';
		s.textContent = m.targets.size === 1 ? 'target' : 'targets';
		box.append(s);
	}
	if (m.cycles.length) {
		const s = doc.createElement('span');
		s.className = 'swatch in-cycle';
		s.style.borderColor = CYCLE_COLOURS[0];
		s.textContent = 'in a cycle';
		box.append(s);
	}
}

function fail(doc, err) {
	const msg = doc.getElementById('message');
	msg.textContent = `The graph could not be drawn: ${err.message}`;
	msg.hidden = false;
	doc.documentElement.dataset.error = err.message;
	doc.documentElement.dataset.ready = '1';
}

function render(doc, m) {
	const svg = doc.getElementById('graph');
	const msg = doc.getElementById('message');
	const t0 = performance.now();
	const box = svg.getBoundingClientRect();
	const lay = layout(m, doc, { width: box.width, height: box.height });
	const drawing = draw(svg, m, lay);
	drawing.start();
	const parts = {
		doc,
		svg,
		panel: doc.getElementById('details'),
		input: doc.getElementById('search'),
		status: doc.getElementById('search-status'),
		buttons: { fit: doc.getElementById('fit'), zoomIn: doc.getElementById('zoom-in'), zoomOut: doc.getElementById('zoom-out') },
	};
	initUi(parts, m, drawing, makeHost(m.data));
	msg.hidden = m.nodes.length > 0;
	msg.textContent = m.nodes.length ? '' : 'Nothing to draw: the graph is empty.';
	doc.documentElement.dataset.layoutMs = String(Math.round(performance.now() - t0));
	doc.documentElement.dataset.ready = '1';
}

function boot(doc) {
	let m;
	try {
		m = buildModel(readGraph(doc));
	} catch (err) {
		fail(doc, err);
		return;
	}
	const title = m.data.title || 'graph';
	doc.title = `${title} — Parseltongue`;
	doc.getElementById('title').textContent = title;
	doc.getElementById('counts').textContent = describe(m);
	legend(doc, m);
	const msg = doc.getElementById('message');
	msg.textContent = `Laying out ${m.nodes.length} nodes…`;
	msg.hidden = false;
	// Let the message paint before the layout takes the thread.
	setTimeout(() => {
		try {
			render(doc, m);
		} catch (err) {
			fail(doc, err);
		}
	}, 0);
}

boot(document);
