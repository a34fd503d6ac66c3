// tests/clients/mcp_client.mjs — the MCP server driven by real MCP clients.
//
//   node mcp_client.mjs BINARY REPO      (run by tests/clients/mcp.sh from build/mcp-client,
//                                         where npm installed the clients)
//
// - The official TypeScript SDK's Client with its StdioClientTransport
//   (@modelcontextprotocol/sdk 1.x: the initialize lifecycle, 2025-11-25)
//   and the SDK's v2 client (@modelcontextprotocol/client, pinned to the
//   stateless 2026-07-28, and in its 'auto' mode that probes server/discover).
// - Every structuredContent is validated against the tool's outputSchema
//   with ajv (JSON Schema 2020-12), apart from the SDK's own check.
// - Answers are checked against hand-written expectations: the ranking
//   fixture tests/fixtures/rank1/expected.json, every query check of
//   tests/fixtures/ws1/expected.json, and the impact and freshness cases
//   written below from the Rust the test writes.
// - Default answers are measured with Claude's tokenizer: each rendering
//   (the text, JSON.stringify of the structured content) within 2,000.
// - Raw protocol: version refusals, parse errors, a 5 MB line, stdout
//   carrying only JSON-RPC.
// - A second client: the MCP Inspector's CLI (headless), in both eras, with
//   its --strict check of the tool schemas.
// Prints "ok NAME" / "FAIL NAME: detail" and ends with "N passed, M failed".
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Client as Client2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as Stdio2 } from '@modelcontextprotocol/client/stdio';
import { countTokens } from '@anthropic-ai/tokenizer';
import Ajv2020 from 'ajv/dist/2020.js';

const BIN = path.resolve(process.argv[2]);
const REPO = path.resolve(process.argv[3]);
const FIX = path.join(REPO, 'tests', 'fixtures');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-mcp-'));
const BUDGET = 2000;

let passed = 0;
let failed = 0;
function ok(name) {
	passed++;
	console.log(`ok   ${name}`);
}
function fail(name, detail) {
	failed++;
	console.log(`FAIL ${name}: ${detail}`);
}
function check(name, cond, detail) {
	if (cond) ok(name);
	else fail(name, typeof detail === 'function' ? detail() : detail);
}
const show = (x) => JSON.stringify(x).slice(0, 600);

function copyFixture(name) {
	const dst = path.join(TMP, name);
	fs.cpSync(path.join(FIX, name), dst, { recursive: true });
	return dst;
}

// ---- a session with a client ---------------------------------------------------------

const ajv = new Ajv2020({ strict: true, allErrors: true });
const measured = []; // {tool, text, json}: tokens of default answers

class Session {
	constructor(client, transport) {
		this.client = client;
		this.transport = transport;
		this.tools = new Map();
		this.validators = new Map();
	}
	async listTools() {
		const r = await this.client.listTools();
		for (const t of r.tools) {
			this.tools.set(t.name, t);
			if (t.outputSchema) this.validators.set(t.name, ajv.compile(t.outputSchema));
		}
		return r.tools;
	}
	// tools/call; every structured answer checked against its schema, and
	// the size of answers at the default budget recorded.
	async call(name, args, label = name) {
		const r = await this.client.callTool({ name, arguments: args });
		const text = (r.content || []).map((c) => c.text || '').join('');
		if (r.structuredContent !== undefined) {
			const v = this.validators.get(name);
			if (!v) fail(`${label}: schema`, 'no outputSchema for a structured answer');
			else if (!v(r.structuredContent))
				fail(`${label}: schema`, ajv.errorsText(v.errors) + ' in ' + show(r.structuredContent));
			else schemaChecked++;
		}
		if (!r.isError && args.tokens === undefined && r.structuredContent)
			measured.push({
				tool: name,
				label,
				text: countTokens(text),
				json: countTokens(JSON.stringify(r.structuredContent)),
			});
		return { ...r, text, s: r.structuredContent };
	}
	async close() {
		await this.client.close();
	}
}
let schemaChecked = 0;

async function legacySession(root, extraArgs = []) {
	const transport = new StdioClientTransport({
		command: BIN,
		args: ['mcp', root, ...extraArgs],
		stderr: 'pipe',
	});
	let negotiated;
	transport.setProtocolVersion = (v) => {
		negotiated = v;
	};
	const client = new Client({ name: 'parseltongue-test', version: '1.0.0' });
	await client.connect(transport);
	const s = new Session(client, transport);
	s.negotiated = negotiated;
	return s;
}

async function modernSession(root, mode) {
	const transport = new Stdio2({ command: BIN, args: ['mcp', root], stderr: 'pipe' });
	const client = new Client2(
		{ name: 'parseltongue-test-v2', version: '1.0.0' },
		{ versionNegotiation: { mode } },
	);
	await client.connect(transport);
	const s = new Session(client, transport);
	s.negotiated = client.getNegotiatedProtocolVersion();
	return s;
}

// ---- the tool list -----------------------------------------------------------------

const TOOLS = [
	'blast_radius', 'callees', 'callers', 'context', 'entities_in_file', 'find_cycles',
	'impact', 'references', 'search', 'what_implements', 'where_defined',
];

async function checkToolList(s, label) {
	const tools = await s.listTools();
	const names = tools.map((t) => t.name).sort();
	check(`${label}: tools/list names`, JSON.stringify(names) === JSON.stringify(TOOLS), show(names));
	for (const t of tools) {
		const problems = [];
		if (!t.description || t.description.length > 300) problems.push('description missing or over 300 chars');
		if (!t.inputSchema || t.inputSchema.type !== 'object') problems.push('inputSchema');
		if (!t.outputSchema || t.outputSchema.type !== 'object') problems.push('outputSchema');
		try {
			ajv.compile(t.inputSchema);
		} catch (e) {
			problems.push('inputSchema does not compile: ' + e.message);
		}
		if (!t.annotations || t.annotations.readOnlyHint !== true) problems.push('annotations.readOnlyHint');
		check(`${label}: tool ${t.name} declared`, problems.length === 0, problems.join('; '));
	}
	const words = tools.reduce((n, t) => n + t.description.split(/\s+/).length, 0);
	const model = tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
	console.log(`     (${tools.length} tools, ${words} words of descriptions; what a model reads of them ` +
		`(name, description, inputSchema): ${countTokens(JSON.stringify(model))} tokens; the whole list ` +
		`${countTokens(JSON.stringify(tools))} tokens)`);
}

// ---- rank1: the ranking, budgets and pages --------------------------------------------

async function rankChecks(s, root) {
	const spec = JSON.parse(fs.readFileSync(path.join(FIX, 'rank1', 'expected.json'), 'utf8'));
	for (const c of spec.ranked) {
		const tool = c.query;
		const r = await s.call(tool, { target: c.target }, `rank1 ${tool} ${c.target}`);
		const got = (r.s?.items || []).map((i) => ({ path: i.path, group: i.group }));
		const want = c.expect.map((e) => ({ path: e.path, group: e.group }));
		check(`rank1: ${tool} ${c.target} in rank order`, JSON.stringify(got) === JSON.stringify(want),
			() => `got ${show(got)}`);
		// a page of 3: the first three, the rest counted per group
		const p = await s.call(tool, { target: c.target, limit: 3 }, `rank1 ${tool} limit 3`);
		const omitted = {};
		for (const e of want.slice(3)) omitted[e.group] = (omitted[e.group] || 0) + 1;
		check(`rank1: ${tool} ${c.target} limit 3 says what it left out`,
			JSON.stringify(p.s.items.map((i) => i.path)) === JSON.stringify(want.slice(0, 3).map((e) => e.path)) &&
				JSON.stringify(p.s.omitted) === JSON.stringify(omitted) &&
				p.s.truncated === (want.length > 3) &&
				(want.length <= 3 || (p.s.next_offset === 3 && /offset 3/.test(p.s.hint || ''))),
			() => show(p.s));
		if (want.length > 3) {
			const q = await s.call(tool, { target: c.target, limit: 3, offset: 3 }, `rank1 ${tool} page 2`);
			check(`rank1: ${tool} ${c.target} next page`,
				JSON.stringify(q.s.items.map((i) => i.path)) === JSON.stringify(want.slice(3, 6).map((e) => e.path)),
				() => show(q.s.items));
		}
	}
}

// What a reviewer names first is in the context even on a small budget;
// the CLI's generate-context (id order) with as many bytes of text beside
// it (it counts 4 bytes a token, the server 2.5).
const SMALL = 600;
async function reviewerFirst(s, root) {
	const spec = JSON.parse(fs.readFileSync(path.join(FIX, 'rank1', 'expected.json'), 'utf8'));
	let want = 0;
	let ours = 0;
	let cli = 0;
	for (const c of spec.ranked) {
		const section = c.query === 'callers' ? 'called_by' : 'calls';
		const r = await s.call('context', { target: c.target, tokens: SMALL }, `rank1 context ${c.target}`);
		const shown = new Set((r.s?.sections?.[section]?.shown || []).map((i) => i.path));
		const text = execFileSync(BIN, ['query', 'generate-context', c.target, '--tokens', String(Math.round(SMALL * 2.5 / 4))],
			{ cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
		for (const p of c.reviewer_first) {
			want++;
			ours += shown.has(p);
			cli += new RegExp(`^- ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm').test(text);
		}
		check(`rank1: context ${c.target} at ${SMALL} tokens holds the reviewer's first ${section}`,
			c.reviewer_first.every((p) => shown.has(p)), () => show([...shown]));
	}
	console.log(`     (measure: reviewer-first items in the context at ${SMALL} tokens: ours ${ours}/${want}, ` +
		`CLI generate-context with as much text ${cli}/${want})`);
}

// ---- ws1: every query check of its expected.json, through the tools --------------------

const KIND_TOOL = {
	'what-implements': 'what_implements', callers: 'callers', callees: 'callees',
	references: 'references', 'blast-radius': 'blast_radius', 'where-defined': 'where_defined',
	'find-cycles': 'find_cycles', 'entities-in-file': 'entities_in_file', search: 'search',
};

// An MCP item in the shape the CLI's --json answers (what expected.json
// describes): sites as objects, the name from the path.
function cliShape(item, tool) {
	const o = { ...item };
	if (Array.isArray(o.sites))
		o.sites = o.sites.map((s) => {
			const m = /^(.*):(\d+):(\d+)$/.exec(s);
			return { file: m[1], line: +m[2], column: +m[3] };
		});
	if (o.path !== undefined && o.kind !== 'impl') o.name = o.path.split('::').pop();
	if (o.ambiguous === undefined && tool !== 'what_implements' && tool !== 'find_cycles') o.ambiguous = false;
	if (tool === 'find_cycles') o.members = o.members.map((m) => m.path);
	return o;
}

function valueMatch(key, want, got, item) {
	if (key === 'sites') {
		// three sites are listed, site_count has them all
		if (want.length > 3) return item.site_count === want.length;
		const keys = [...new Set(want.flatMap((s) => Object.keys(s)))];
		const k = (s) => JSON.stringify(keys.map((x) => s[x]));
		const a = new Set(want.map(k));
		const b = new Set((got || []).map(k));
		return a.size === b.size && [...a].every((x) => b.has(x));
	}
	if (Array.isArray(want)) {
		if (!Array.isArray(got)) return false;
		if (want.every((x) => typeof x === 'string'))
			return JSON.stringify([...new Set(want)].sort()) === JSON.stringify([...new Set(got)].sort()) &&
				got.length === new Set(got).size;
		return JSON.stringify(want) === JSON.stringify(got);
	}
	return got === want;
}

function elemMatch(want, got) {
	return Object.entries(want).every(([k, v]) => (k in got || v === null) && valueMatch(k, v, got[k], got));
}

// Bipartite matching of expected elements to results (as tests/blackbox.py).
function compare(expect, results, mode) {
	const cand = expect.map((e) => results.flatMap((r, j) => (elemMatch(e, r) ? [j] : [])));
	const owner = new Map();
	const augment = (i, seen) => {
		for (const j of cand[i]) {
			if (seen.has(j)) continue;
			seen.add(j);
			if (!owner.has(j) || augment(owner.get(j), seen)) {
				owner.set(j, i);
				return true;
			}
		}
		return false;
	};
	[...expect.keys()].sort((a, b) => cand[a].length - cand[b].length).forEach((i) => augment(i, new Set()));
	const matched = new Set(owner.values());
	const diff = expect.filter((_, i) => !matched.has(i)).map((e) => 'missing ' + JSON.stringify(e));
	if (mode === 'exact')
		results.forEach((r, j) => {
			if (!owner.has(j)) diff.push('unexpected ' + JSON.stringify({ path: r.path, name: r.name, kind: r.kind, file: r.file, line: r.line, type: r.type, trait: r.trait }));
		});
	return diff;
}

function ignored(r, patterns) {
	return (patterns || []).some((p) => Object.entries(p).every(([k, v]) =>
		k === 'path_re' ? new RegExp(v).test(r.path || '') : r[k] === v));
}

async function ws1Checks(s) {
	const spec = JSON.parse(fs.readFileSync(path.join(FIX, 'ws1', 'expected.json'), 'utf8'));
	let n = 0;
	for (const c of spec.checks) {
		const tool = KIND_TOOL[c.query];
		if (!tool) continue; // export checks belong to the export tests
		const args = { limit: 1000, tokens: 100000 };
		const a = c.args || [];
		for (let i = 0; i < a.length; i += 2) args[a[i].replace(/^--/, '')] = /^\d+$/.test(a[i + 1]) ? +a[i + 1] : a[i + 1];
		if (tool === 'search') args.query = c.target;
		else if (tool === 'entities_in_file') args.file = c.target;
		else if (tool !== 'find_cycles') args.target = c.target;
		if (tool === 'search' || tool === 'where_defined' || tool === 'find_cycles' || tool === 'entities_in_file') {
			if (tool !== 'find_cycles') delete args.offset;
		}
		let r = await s.call(tool, args, `ws1 ${c.id}`);
		let results = [];
		if (r.s?.status === 'ambiguous') {
			// the agent's next step: the same question for each candidate
			for (const cand of r.s.candidates) {
				const one = await s.call(tool, { ...args, target: cand.path }, `ws1 ${c.id} ${cand.path}`);
				if (one.s?.status === 'ambiguous') {
					// two items share the path (impls of one trait): by location
					for (const x of one.s.candidates) {
						const by = await s.call(tool, { ...args, target: `${x.file}:${x.line}` }, `ws1 ${c.id} ${x.file}`);
						results.push(...(by.s?.items || []).map((i) => ({ ...cliShape(i, tool), for: x.path })));
					}
				} else {
					results.push(...(one.s?.items || []).map((i) => ({ ...cliShape(i, tool), for: cand.path })));
				}
			}
		} else if (r.isError) {
			fail(`ws1 ${c.id}`, r.text);
			continue;
		} else {
			results = (r.s.items || []).map((i) => ({ ...cliShape(i, tool), for: r.s.target?.path }));
		}
		results = results.filter((x) => !ignored(x, c.ignore));
		// the CLI's where-defined answers for every match; so does the tool
		const diff = compare(c.expect, results, c.match || 'exact');
		check(`ws1 ${c.id}`, diff.length === 0, () => diff.slice(0, 6).join('; '));
		n++;
	}
	console.log(`     (${n} hand-checked answers of tests/fixtures/ws1/expected.json through the tools)`);
}

// ---- freshness and impact (rank1, in git) -----------------------------------------------

function git(root, ...args) {
	execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args],
		{ cwd: root, stdio: 'ignore' });
}

async function freshnessAndImpact(s, root) {
	const first = await s.call('callers', { target: 'store::buffer::Buffer::push' }, 'fresh 1');
	check('freshness: unchanged files, index fresh', first.s.index.state === 'fresh' &&
		typeof first.s.index.checked_ms === 'number', show(first.s.index));
	console.log(`     (no-change check before an answer: ${first.s.index.checked_ms.toFixed(2)} ms on rank1)`);
	// a new caller on disk: the next answer shows it, and says the index was updated
	fs.appendFileSync(path.join(root, 'store/src/log.rs'), '\npub fn append_more(b: &mut Buffer) {\n    b.push(8);\n}\n');
	const t0 = Date.now();
	const after = await s.call('callers', { target: 'store::buffer::Buffer::push' }, 'fresh 2');
	const ms = Date.now() - t0;
	const item = after.s.items.find((i) => i.path === 'store::log::append_more');
	check('freshness: an edit on disk is in the next answer', item && item.group === 'crate' &&
		after.s.index.state === 'updated' && after.s.index.changed_files === 1 &&
		/store\/src\/log\.rs/.test(after.s.index.note || ''), show(after.s.index));
	console.log(`     (edit → answer with the update: ${ms} ms)`);
	const again = await s.call('callers', { target: 'store::buffer::Buffer::push' }, 'fresh 3');
	check('freshness: fresh again after the update', again.s.index.state === 'fresh', show(again.s.index));
	// a new folder, then a change inside it alone (the watch must follow new folders)
	fs.mkdirSync(path.join(root, 'store/src/sub'));
	fs.writeFileSync(path.join(root, 'store/src/sub/mod.rs'), 'pub fn in_sub(b: &mut crate::buffer::Buffer) {\n    b.push(11);\n}\n');
	fs.appendFileSync(path.join(root, 'store/src/lib.rs'), 'pub mod sub;\n');
	const sub1 = await s.call('callers', { target: 'store::buffer::Buffer::push' }, 'fresh 4');
	fs.appendFileSync(path.join(root, 'store/src/sub/mod.rs'), 'pub fn in_sub2(b: &mut crate::buffer::Buffer) {\n    b.push(12);\n}\n');
	const sub2 = await s.call('callers', { target: 'store::buffer::Buffer::push' }, 'fresh 5');
	const paths = (r) => r.s.items.map((i) => i.path);
	check('freshness: a new folder, then an edit inside it alone',
		paths(sub1).includes('store::sub::in_sub') && !paths(sub1).includes('store::sub::in_sub2') &&
		paths(sub2).includes('store::sub::in_sub2') && sub2.s.index.state === 'updated', () => show(paths(sub2)) + show(sub2.s.index));

	// impact: a git repository, a body and a signature changed, a new file
	git(root, 'init', '-q');
	git(root, 'add', '-A');
	git(root, 'commit', '-q', '-m', 'base');
	const clean = await s.call('impact', {}, 'impact clean');
	check('impact: a clean tree changes nothing', clean.s.changed.length === 0 && clean.s.affected.length === 0, show(clean.s));
	const buf = path.join(root, 'store/src/buffer.rs');
	fs.writeFileSync(buf, fs.readFileSync(buf, 'utf8').replace('            self.push(*x);', '            self.push(*x);\n            self.push(0);'));
	const log = path.join(root, 'store/src/log.rs');
	fs.writeFileSync(log, fs.readFileSync(log, 'utf8').replace('pub fn append(b: &mut Buffer, x: u32)', 'pub fn append(b: &mut Buffer, value: u32)').replace('    b.push(x);\n}\n\n#[cfg', '    b.push(value);\n}\n\n#[cfg'));
	fs.writeFileSync(path.join(root, 'store/src/extra.rs'), 'use crate::log::append;\n\npub fn twice(b: &mut crate::buffer::Buffer) {\n    append(b, 1);\n    append(b, 2);\n}\n');
	fs.appendFileSync(path.join(root, 'store/src/lib.rs'), 'pub mod extra;\n');
	const im = await s.call('impact', {}, 'impact');
	const changed = Object.fromEntries((im.s.changed || []).map((c) => [c.path, c.change]));
	const want = {
		'store::buffer::Buffer::extend': 'body',
		'store::log::append': 'signature',
		'store::extra': 'signature',
		'store::extra::twice': 'file',
	};
	check('impact: the changed items, signature or body', JSON.stringify(Object.entries(changed).sort()) === JSON.stringify(Object.entries(want).sort()),
		() => show(changed));
	const affected = Object.fromEntries((im.s.affected || []).map((a) => [a.path, a.depth]));
	check('impact: what may break, at its depth', affected['app::main'] === 1 && affected['store::buffer::fill'] === undefined &&
		affected['store::extra::twice'] === undefined && im.s.index.state === 'updated',
	() => show(im.s.affected) + show(im.s.index));
	const files = await s.call('impact', { diff: 'HEAD', files: ['store/src/log.rs'] }, 'impact one file');
	check('impact: limited to the files given', JSON.stringify((files.s.changed || []).map((c) => c.path)) === '["store::log::append"]',
		() => show(files.s.changed));
	const bad = await s.call('impact', { diff: '--output=/tmp/pt-owned' }, 'impact bad diff');
	check('impact: a diff that is an option is refused', bad.isError && !fs.existsSync('/tmp/pt-owned'), bad.text);
}

// ---- errors -------------------------------------------------------------------------------

async function errorChecks(s) {
	try {
		await s.client.callTool({ name: 'no_such_tool', arguments: {} });
		fail('errors: unknown tool', 'no error');
	} catch (e) {
		check('errors: unknown tool is JSON-RPC -32602', e.code === -32602, `code ${e.code}: ${e.message}`);
	}
	const bad = await s.call('callers', { target: 'x', limit: 0 }, 'errors bad limit');
	check('errors: an argument out of range is a tool error that says the range', bad.isError && /limit.*1.*1000/.test(bad.text), bad.text);
	const unknown = await s.call('callers', { targt: 'x' }, 'errors unknown arg');
	check('errors: an unknown argument names the ones the tool takes', unknown.isError && /target/.test(unknown.text), unknown.text);
	const none = await s.call('callers', { target: 'zz_no_such_item' }, 'errors no target');
	check('errors: a target that names nothing says what to try', none.isError && /search/.test(none.text), none.text);
	const amb = await s.call('callers', { target: 'main' }, 'errors ambiguous');
	const paths = (amb.s?.candidates || []).map((c) => c.path).sort();
	check('errors: an ambiguous target lists the candidates, guesses nothing',
		!amb.isError && amb.s.status === 'ambiguous' && paths.includes('app::main') && paths.includes('demo::main') && !amb.s.items,
		() => show(amb.s));
	const file = await s.call('entities_in_file', { file: '../../etc/passwd' }, 'errors file');
	check('errors: a file outside the index is a tool error', file.isError, file.text);
}

// ---- budgets on a generated workspace ----------------------------------------------------

// hub::target, called from 400 functions in 20 modules and 60 tests; 40
// functions named helper; a file of 300 functions.
function bigWorkspace() {
	const root = path.join(TMP, 'big');
	fs.mkdirSync(path.join(root, 'src'), { recursive: true });
	fs.mkdirSync(path.join(root, 'tests'), { recursive: true });
	fs.writeFileSync(path.join(root, 'Cargo.toml'), '[package]\nname = "hub"\nversion = "0.1.0"\nedition = "2021"\n');
	let lib = 'pub fn target(x: u64) -> u64 {\n    x + 1\n}\n';
	for (let m = 0; m < 20; m++) {
		lib += `pub mod m${m};\n`;
		let body = `pub fn helper() -> u32 {\n    ${m}\n}\n\npub mod inner {\n    pub fn helper() -> u32 {\n        ${m}\n    }\n}\n\n`;
		for (let f = 0; f < 20; f++)
			body += `/// caller ${f} of module ${m}\npub fn caller_${m}_${f}(v: u64) -> u64 {\n    crate::target(v) + crate::target(v + ${f})\n}\n\n`;
		fs.writeFileSync(path.join(root, 'src', `m${m}.rs`), body);
	}
	let many = '';
	for (let f = 0; f < 300; f++) many += `/// item ${f}\npub fn many_${f}(a: u32, b: u32) -> u32 {\n    a * ${f} + b\n}\n`;
	fs.writeFileSync(path.join(root, 'src', 'many.rs'), many);
	fs.writeFileSync(path.join(root, 'src', 'lib.rs'), lib + 'pub mod many;\n');
	let tests = 'use hub::target;\n';
	for (let t = 0; t < 60; t++) tests += `#[test]\nfn test_${t}() {\n    assert_eq!(target(${t}), ${t + 1});\n}\n`;
	fs.writeFileSync(path.join(root, 'tests', 'calls.rs'), tests);
	return root;
}

async function budgetChecks(s) {
	const calls = [
		['context', { target: 'hub::target' }],
		['callers', { target: 'hub::target' }],
		['references', { target: 'hub::target' }],
		['blast_radius', { target: 'hub::target' }],
		['search', { query: 'caller' }],
		['where_defined', { target: 'helper' }],
		['entities_in_file', { file: 'src/many.rs' }],
		['impact', { files: ['src/lib.rs', 'src/m1.rs', 'src/m2.rs'] }],
	];
	for (const [tool, args] of calls) {
		const r = await s.call(tool, args, `big ${tool}`);
		const t = countTokens(r.text);
		const j = countTokens(JSON.stringify(r.s));
		const cut = r.s.truncated === true || r.s.changed_total > (r.s.changed || []).length;
		check(`budget: ${tool} at the default budget fits ${BUDGET} tokens and says it was cut`,
			!r.isError && t <= BUDGET && j <= BUDGET && cut && (r.s.hint || '').length > 0,
			`text ${t} tokens, JSON ${j} tokens, truncated ${r.s.truncated}, hint ${r.s.hint}`);
	}
	// every caller, page by page, once each, the module's own code first
	const seen = [];
	let offset = 0;
	for (let page = 0; page < 20; page++) {
		const r = await s.call('callers', { target: 'hub::target', offset, tokens: 4000 }, 'big pages');
		seen.push(...r.s.items.map((i) => i.path));
		if (!r.s.truncated) break;
		offset = r.s.next_offset;
	}
	const first = await s.call('callers', { target: 'hub::target', limit: 400 , tokens: 100000 }, 'big all');
	check('budget: pages give every caller once', seen.length === 460 && new Set(seen).size === 460 &&
		first.s.items.slice(0, 400).every((i) => i.group === 'crate' || i.group === 'module') &&
		first.s.total === 460, `${seen.length} seen, ${new Set(seen).size} distinct`);
}

// ---- the raw protocol ----------------------------------------------------------------------

// Lines in, lines out: what the server answers to each message.
function raw(root, lines, { timeoutMs = 20000, cwd, env } = {}) {
	return new Promise((resolve) => {
		const p = spawn(BIN, root ? ['mcp', root] : ['mcp'], { stdio: ['pipe', 'pipe', 'ignore'], cwd, env });
		let out = '';
		const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
		p.stdout.on('data', (d) => (out += d));
		p.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, lines: out.split('\n').filter((l) => l.length) });
		});
		for (const l of lines) p.stdin.write(typeof l === 'string' ? l + '\n' : JSON.stringify(l) + '\n');
		p.stdin.end();
	});
}

async function rawChecks(root) {
	const meta = (v) => ({ _meta: { 'io.modelcontextprotocol/protocolVersion': v, 'io.modelcontextprotocol/clientCapabilities': {} } });
	const r = await raw(root, [
		{ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '1.0.0', capabilities: {} } },
		{ jsonrpc: '2.0', id: 2, method: 'tools/list', params: meta('2099-01-01') },
		'{"jsonrpc":"2.0","id":3,"method":',
		'x'.repeat(5 << 20),
		{ jsonrpc: '2.0', method: 'notifications/whatever' },
		{ jsonrpc: '2.0', id: 4, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {} } },
		{ jsonrpc: '2.0', method: 'notifications/initialized' },
		{ jsonrpc: '2.0', id: 5, method: 'tools/list' },
		{ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'where_defined', arguments: { target: 'fill' } } },
		{ jsonrpc: '2.0', id: 7, method: 'server/discover', params: meta('2026-07-28') },
		{ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'where_defined', arguments: { target: 'fill' }, ...meta('2026-07-28') } },
		{ jsonrpc: '2.0', id: 9, method: 'ping' },
	]);
	let msgs;
	try {
		msgs = r.lines.map((l) => JSON.parse(l));
		ok('raw: stdout carries only JSON-RPC messages, one a line');
	} catch (e) {
		fail('raw: stdout carries only JSON-RPC messages, one a line', e.message);
		return;
	}
	const by = (id) => msgs.find((m) => m.id === id);
	const nulls = msgs.filter((m) => m.id === null).map((m) => m.error?.code);
	check('raw: an unknown initialize version is refused with the supported ones',
		by(1)?.error?.code === -32602 && by(1).error.data?.supported?.includes('2025-11-25') && by(1).error.data.requested === '1.0.0', show(by(1)));
	check('raw: an unknown per-request version is -32022 UnsupportedProtocolVersion',
		by(2)?.error?.code === -32022 && JSON.stringify(by(2).error.data) === '{"supported":["2026-07-28"],"requested":"2099-01-01"}', show(by(2)));
	check('raw: bad JSON is -32700 and a 5 MB line -32600, and the server goes on',
		JSON.stringify(nulls) === '[-32700,-32600]' && by(9)?.result !== undefined, show(nulls));
	check('raw: 2024-11-05 is answered as asked, without outputSchema or structuredContent',
		by(4)?.result?.protocolVersion === '2024-11-05' && by(5)?.result?.tools?.every((t) => !t.outputSchema) &&
		by(6)?.result?.structuredContent === undefined && /store::buffer::fill/.test(by(6)?.result?.content?.[0]?.text), show(by(6)));
	check('raw: server/discover and a stateless call (2026-07-28)',
		JSON.stringify(by(7)?.result?.supportedVersions) === '["2026-07-28"]' && by(7).result.resultType === 'complete' &&
		by(7).result._meta?.['io.modelcontextprotocol/serverInfo']?.name === 'parseltongue' &&
		by(8)?.result?.resultType === 'complete' && by(8).result.structuredContent?.items?.[0]?.path === 'store::buffer::fill', show(by(8)));
	check('raw: notifications get no answer; the server exits 0 at the end of input',
		msgs.length === 10 && r.code === 0, `${msgs.length} answers, exit ${r.code} ${r.signal || ''}`);

	// a call waiting for an index update, cancelled: no answer for it, the server goes on
	fs.appendFileSync(path.join(root, 'store/src/log.rs'), '// touched\n');
	const c = await raw(root, [
		{ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {} } },
		{ jsonrpc: '2.0', id: 50, method: 'tools/call', params: { name: 'callers', arguments: { target: 'fill' } } },
		{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 50, reason: 'test' } },
		{ jsonrpc: '2.0', id: 51, method: 'ping' },
	]);
	const ids = c.lines.map((l) => JSON.parse(l).id);
	check('raw: a call cancelled while it waits for an update gets no answer', JSON.stringify(ids) === '[1,51]', show(ids));

	// no folder named: the one the agent names (Cursor starts servers in /), never / itself
	const env = { ...process.env };
	delete env.WORKSPACE_FOLDER_PATHS;
	delete env.CLAUDE_PROJECT_DIR;
	const session = [
		{ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {} } },
		{ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'where_defined', arguments: { target: 'fill' } } },
	];
	const slash = await raw(null, session, { cwd: '/', env });
	const a = JSON.parse(slash.lines[1] || '{}');
	check('raw: started in / with no folder named, every tool says what to configure',
		a.result?.isError === true && /no workspace/.test(a.result.content[0].text), show(a));
	const named = await raw(null, session, { cwd: '/', env: { ...env, WORKSPACE_FOLDER_PATHS: `${root},/elsewhere` } });
	const b = JSON.parse(named.lines[1] || '{}');
	check('raw: the folder WORKSPACE_FOLDER_PATHS names', b.result?.structuredContent?.items?.[0]?.path === 'store::buffer::fill', show(b));
}

// ---- a second client: the MCP Inspector's CLI ---------------------------------------------

function inspector(root, ...args) {
	const bin = path.join(process.cwd(), 'node_modules', '.bin', 'mcp-inspector');
	const r = spawnSync(bin, ['--cli', BIN, 'mcp', root, ...args], {
		encoding: 'utf8',
		env: { ...process.env, HOME: TMP }, // its catalog and settings stay in the temp folder
		timeout: 60000,
	});
	let json;
	try {
		json = JSON.parse(r.stdout);
	} catch {
		json = undefined;
	}
	return { code: r.status, json, stderr: r.stderr || '' };
}

function inspectorChecks(root) {
	const list = inspector(root, '--method', 'tools/list', '--strict', '--format', 'json', '-q');
	const names = (list.json?.tools || list.json?.result?.tools || []).map((t) => t.name).sort();
	check('inspector: tools/list, no schema portability problem (--strict)',
		list.code === 0 && JSON.stringify(names) === JSON.stringify(TOOLS), `exit ${list.code}: ${list.stderr.slice(0, 300)} ${show(names)}`);
	for (const era of ['legacy', 'modern']) {
		const r = inspector(root, '--protocol-era', era, '--format', 'json', '-q', '--method', 'tools/call',
			'--tool-name', 'callers', '--tool-arg', 'target=store::buffer::Buffer::push', '--tool-arg', 'limit=3');
		const res = r.json?.result || r.json;
		const items = (res?.structuredContent?.items || []).map((i) => i.path);
		check(`inspector: tools/call (${era})`, r.code === 0 &&
			JSON.stringify(items) === '["store::buffer::fill","store::buffer::Buffer::extend","store::log::append"]' &&
			(era === 'legacy' || res._meta?.['io.modelcontextprotocol/serverInfo']?.name === 'parseltongue'),
		`exit ${r.code}: ${r.stderr.slice(0, 300)} ${show(res)}`);
	}
}

// ---- the sessions ---------------------------------------------------------------------------

async function main() {
	const rank1 = copyFixture('rank1');
	const ws1 = copyFixture('ws1');
	const big = bigWorkspace();

	// 2025-11-25 with the SDK 1.x client; the server indexes rank1 at the first call
	let s = await legacySession(rank1);
	check('sdk 1.x: negotiates 2025-11-25', s.negotiated === '2025-11-25', s.negotiated);
	check('sdk 1.x: serverInfo', s.client.getServerVersion()?.name === 'parseltongue', show(s.client.getServerVersion()));
	await checkToolList(s, 'sdk 1.x');
	const t0 = Date.now();
	const firstAnswer = await s.call('where_defined', { target: 'Buffer::push' }, 'first index');
	check('sdk 1.x: the first call indexes a workspace that has no index yet',
		firstAnswer.s?.items?.[0]?.path === 'store::buffer::Buffer::push', show(firstAnswer));
	console.log(`     (first call with indexing: ${Date.now() - t0} ms)`);
	await rankChecks(s, rank1);
	await reviewerFirst(s, rank1);
	await errorChecks(s);
	await freshnessAndImpact(s, rank1);
	await s.close();

	s = await legacySession(ws1);
	await s.listTools();
	await ws1Checks(s);
	await s.close();

	s = await legacySession(big);
	await s.listTools();
	await budgetChecks(s);
	await s.close();

	// 2026-07-28 with the SDK 2.x client: pinned, and probing
	for (const mode of [{ pin: '2026-07-28' }, 'auto']) {
		const label = `sdk 2.x ${typeof mode === 'string' ? mode : 'pinned'}`;
		try {
			s = await modernSession(rank1, mode);
			check(`${label}: negotiates 2026-07-28`, s.negotiated === '2026-07-28', s.negotiated);
			await checkToolList(s, label);
			const r = await s.call('callers', { target: 'store::log::append' }, `${label} callers`);
			check(`${label}: a tool answers, schema-valid`, JSON.stringify(r.s.items.map((i) => i.path).sort()) === '["app::main","store::extra::twice"]', show(r.s));
			await s.close();
		} catch (e) {
			fail(label, e.stack || e.message);
		}
	}

	await rawChecks(rank1);
	inspectorChecks(rank1);

	for (const m of measured) {
		if (m.text > BUDGET || m.json > BUDGET) fail(`budget: ${m.label}`, `text ${m.text}, JSON ${m.json} tokens`);
	}
	const maxText = Math.max(...measured.map((m) => m.text));
	const maxJson = Math.max(...measured.map((m) => m.json));
	check(`budget: every default answer (${measured.length}) within ${BUDGET} tokens`,
		maxText <= BUDGET && maxJson <= BUDGET, `largest: text ${maxText}, JSON ${maxJson}`);
	console.log(`     (largest default answers: text ${maxText}, JSON ${maxJson} tokens; ${schemaChecked} structured answers validated)`);
}

try {
	await main();
} catch (e) {
	fail('unexpected', e.stack || e.message);
}
fs.rmSync(TMP, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
