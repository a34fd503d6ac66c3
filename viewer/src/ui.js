// What a person does with the drawing: click a node for its place and
// signature (and the path from the target lights up), search by name,
// fit and zoom. Text from the graph is only ever set as textContent: file
// and item names come from the indexed repository and may be hostile.
import { neighbourhood, pathFromTarget, search } from './model.js';

function el(doc, tag, cls, text) {
	const e = doc.createElement(tag);
	if (cls) e.className = cls;
	if (text !== undefined) e.textContent = text;
	return e;
}

function location(doc, host, o) {
	if (!o.file) return el(doc, 'span', 'loc', 'outside the workspace');
	const a = el(doc, 'a', 'loc', `${o.file}:${o.line}${o.column ? `:${o.column}` : ''}`);
	a.href = host.href(o.file);
	a.addEventListener('click', (ev) => {
		if (host.open(o.file, o.line, o.column)) ev.preventDefault();
	});
	return a;
}

// A list of the node's neighbours, each a button that selects it.
function neighbourList(doc, ui, title, edges, end) {
	const box = el(doc, 'section', 'neighbours');
	box.append(el(doc, 'h3', null, `${title} (${edges.length})`));
	const ul = el(doc, 'ul');
	for (const e of edges.slice(0, 50)) {
		const n = ui.m.byId.get(e[end]);
		const li = el(doc, 'li');
		const b = el(doc, 'button', 'link', n.path || n.name);
		b.addEventListener('click', () => ui.select(n.id, true));
		li.append(el(doc, 'span', 'rel', e.kind), ' ', b);
		ul.append(li);
	}
	if (edges.length > 50) ul.append(el(doc, 'li', 'more', `and ${edges.length - 50} more`));
	box.append(ul);
	return box;
}

function showDetails(ui, n) {
	const { doc, panel, host, m } = ui;
	panel.replaceChildren();
	panel.hidden = false;
	const close = el(doc, 'button', 'close', '×');
	close.title = 'Close (Esc)';
	close.addEventListener('click', () => ui.select(null));
	panel.append(close, el(doc, 'h2', null, n.name || n.path), el(doc, 'div', 'kind', n.kind));
	panel.append(el(doc, 'div', 'path', n.path), location(doc, host, n));
	if (n.signature) panel.append(el(doc, 'pre', 'sig', n.signature));
	if (m.cycleOf.has(n.id))
		panel.append(el(doc, 'p', 'cycle-note', `In a cycle of ${m.cycles[m.cycleOf.get(n.id)].length}`));
	const { ins, outs } = neighbourhood(m, n.id);
	panel.append(neighbourList(doc, ui, 'Depends on', outs, 'to'), neighbourList(doc, ui, 'Used by', ins, 'from'));
}

function markSelection(ui, id) {
	const path = id ? pathFromTarget(ui.m, id) : null;
	const onPath = new Set(path ? path.nodes : []);
	const pathEdges = new Set(path ? path.edges.map((e) => e.name) : []);
	ui.drawing.nodes.classed('selected', (n) => n.id === id).classed('on-path', (n) => onPath.has(n.id));
	ui.drawing.edges
		.classed('on-path', (e) => pathEdges.has(e.name))
		.classed('adjacent', (e) => !!id && (e.from === id || e.to === id));
	ui.svg.classList.toggle('has-selection', !!id);
}

function initSearch(ui) {
	const { input, status } = ui;
	let matches = [];
	let at = -1;
	input.addEventListener('input', () => {
		matches = search(ui.m, input.value);
		at = -1;
		const ids = new Set(matches.map((n) => n.id));
		ui.drawing.nodes.classed('match', (n) => ids.has(n.id));
		ui.svg.classList.toggle('searching', input.value.trim() !== '');
		status.textContent = input.value.trim() ? `${matches.length} match${matches.length === 1 ? '' : 'es'}` : '';
	});
	input.addEventListener('keydown', (ev) => {
		if (ev.key === 'Enter' && matches.length) {
			at = (at + (ev.shiftKey ? matches.length - 1 : 1)) % matches.length;
			ui.select(matches[at].id, true);
			status.textContent = `${at + 1} of ${matches.length}`;
		} else if (ev.key === 'Escape') {
			input.value = '';
			input.dispatchEvent(new Event('input'));
			input.blur();
		}
	});
}

function initKeys(ui) {
	ui.doc.addEventListener('keydown', (ev) => {
		if (ev.target === ui.input) return;
		if (ev.key === '/') {
			ev.preventDefault();
			ui.input.focus();
		} else if (ev.key === 'Escape') {
			ui.select(null);
		}
	});
}

// Wires the page up. parts: {doc, svg, panel, input, status, buttons:
// {fit, zoomIn, zoomOut}}, m the model, drawing what draw() returned, host
// {href(file), open(file, line, column) → handled}.
export function initUi(parts, m, drawing, host) {
	const ui = { ...parts, m, drawing, host };
	ui.select = (id, centre) => {
		markSelection(ui, id);
		if (!id) {
			ui.panel.hidden = true;
			return;
		}
		showDetails(ui, m.byId.get(id));
		if (centre) drawing.focus(id);
	};
	drawing.nodes.on('click', (ev, n) => {
		ev.stopPropagation();
		ui.select(n.id, false);
	});
	drawing.nodes.on('keydown', (ev, n) => {
		if (ev.key === 'Enter') ui.select(n.id, true);
	});
	ui.svg.addEventListener('click', (ev) => {
		if (ev.target === ui.svg) ui.select(null);
	});
	parts.buttons.fit.addEventListener('click', () => drawing.fit());
	parts.buttons.zoomIn.addEventListener('click', () => drawing.zoomBy(1.25));
	parts.buttons.zoomOut.addEventListener('click', () => drawing.zoomBy(0.8));
	initSearch(ui);
	initKeys(ui);
	return ui;
}
