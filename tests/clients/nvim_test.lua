-- Headless Neovim test of nvim/ (the parseltongue plugin) with the real server
-- on a copy of tests/fixtures/lsp1. Run by tests/clients/nvim.sh, which sets
--   PT_BIN (server), PT_WORK (the fixture copy), PT_DB (database dir), PT_OUT (results file).
-- Expectations by hand from the fixture (0-based LSP lines):
--   shapes.rs 0  `pub trait Area`          impls at lines 13 and 19 (`impl Area for Circle/Square`)
--   lib.rs   21  `pub fn helper`           called from describe (line 17, after non-ASCII text:
--                                           byte 48 = utf-16 unit 40) and twice (line 30, columns 4 and 16)
--   ping.rs / pong.rs use each other's types: a module cycle, warned at `use` (line 0, column 4)
--   code lenses on shapes.rs (0-based lines): Area 0 "2 implementations" (impls at 13, 19), its
--   `fn area` 1 "2 callers" (lib.rs 11:17 in total_area, 26:6 in measure), Circle 5 "3 implementations"
--   (Area, derived Debug and Clone on line 4), Square 9 "1 implementation", the impls' `fn area` 14
--   and 20 "1 caller" (total_area's ambiguous call), unit_circle 25 "0 callers".
local BIN, WORK, DB, OUT = os.getenv('PT_BIN'), os.getenv('PT_WORK'), os.getenv('PT_DB'), os.getenv('PT_OUT')
local PLUGIN = os.getenv('PT_PLUGIN')
local out = assert(io.open(OUT, 'w'))
local failed = 0

local function say(s)
  out:write(s .. '\n')
  out:flush()
end

local function check(name, cond, detail)
  if cond then
    say('ok   ' .. name)
  else
    failed = failed + 1
    say('FAIL ' .. name .. (detail ~= nil and (': ' .. vim.inspect(detail):sub(1, 800):gsub('\n', ' ')) or ''))
  end
  return cond
end

local function finish()
  out:close()
  for _, cl in ipairs((vim.lsp.get_clients or vim.lsp.get_active_clients)()) do
    vim.lsp.stop_client(cl.id)
  end
  if failed > 0 then
    vim.cmd('cquit 1')
  else
    vim.cmd('qall!')
  end
end

local function request_sync(client, method, params, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request_sync(method, params, 10000, bufnr)
  end
  return client.request_sync(method, params, 10000, bufnr)
end

local function qf_places()
  local got = {}
  for _, it in ipairs(vim.fn.getqflist()) do
    table.insert(got, vim.fn.fnamemodify(vim.fn.bufname(it.bufnr), ':t') .. ':' .. it.lnum)
  end
  table.sort(got)
  return got
end

local function health_lines()
  vim.cmd('checkhealth parseltongue')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  vim.cmd('bwipeout!')
  return table.concat(lines, '\n')
end

local function run()
  vim.cmd('filetype on')
  vim.lsp.set_log_level('info')
  check('Neovim version ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor), true)
  local pt = require('parseltongue')
  pt.setup({ cmd = { BIN, '--stdio' }, db = function() return DB end,
             cmd_env = { PARSELTONGUE_LSP_SETTLE_MS = '3000', PARSELTONGUE_LSP_TEST = '1' }, open_quickfix = false,
             statusline_interval_ms = 200 })
  check('user commands defined', vim.fn.exists(':ParseltongueBlastRadius') == 2 and vim.fn.exists(':ParseltongueCycles') == 2
    and vim.fn.exists(':ParseltongueContext') == 2 and vim.fn.exists(':ParseltongueStatus') == 2
    and vim.fn.exists(':ParseltongueSupertypes') == 2 and vim.fn.exists(':ParseltongueSubtypes') == 2
    and vim.fn.exists(':ParseltongueImplementations') == 2 and vim.fn.exists(':ParseltongueCodeLens') == 2)

  -- ---- :help --------------------------------------------------------------------------
  vim.cmd('helptags ' .. vim.fn.fnameescape(PLUGIN .. '/doc'))
  local ok_help = pcall(vim.cmd, 'help :ParseltongueSupertypes')
  check(':help :ParseltongueSupertypes opens doc/parseltongue.txt at the tag', ok_help and
    vim.fn.expand('%:t') == 'parseltongue.txt' and vim.api.nvim_get_current_line():match('%*:ParseltongueSupertypes%*') ~= nil,
    { ok_help, vim.fn.expand('%:t'), vim.api.nvim_get_current_line() })
  vim.cmd('helpclose')

  -- ---- attach on a Rust buffer --------------------------------------------------
  vim.cmd('edit ' .. vim.fn.fnameescape(WORK .. '/src/shapes.rs'))
  local shapes = vim.api.nvim_get_current_buf()
  check('filetype rust', vim.bo.filetype == 'rust', vim.bo.filetype)
  local client
  local attached = vim.wait(10000, function()
    client = pt.client(shapes)
    return client ~= nil and vim.lsp.buf_is_attached(shapes, client.id) and client.initialized == true
  end, 50)
  if not check('the server starts and attaches to the buffer', attached) then
    return
  end
  check('root is the Cargo.toml directory', client.config.root_dir == WORK, client.config.root_dir)
  check('the server was given --db', vim.tbl_contains(client.config.cmd, '--db'), client.config.cmd)

  local st
  local ready = vim.wait(20000, function()
    local r = request_sync(client, 'parseltongue/stats', {}, shapes)
    st = r and r.result
    return st and st.roots and st.roots[1] and st.roots[1].state == 'ready'
  end, 100)
  check('indexing finishes (parseltongue/stats: ready, 5 files)', ready and st.files == 5, st)

  -- ---- commands take |bar| ---------------------------------------------------------------
  local both = vim.api.nvim_exec('ParseltongueStatus | echo "after the bar"', true)
  check(':ParseltongueStatus | echo …: both run', both:match('ready, 5 files') ~= nil and both:match('after the bar') ~= nil, both)

  -- ---- code lenses ----------------------------------------------------------------------
  local function lens_titles(buf)
    local t = {}
    for _, l in ipairs(vim.lsp.codelens.get(buf)) do
      if not l.command then
        return nil
      end
      table.insert(t, string.format('%d %s', l.range.start.line, l.command.title))
    end
    table.sort(t)
    return #t > 0 and t or nil
  end
  local titles
  vim.wait(10000, function()
    titles = lens_titles(shapes)
    return titles ~= nil
  end, 50)
  check('code lenses on attach, resolved: callers and implementations', vim.deep_equal(titles, {
    '0 2 implementations', '1 2 callers', '14 1 caller', '20 1 caller', '25 0 callers', '5 3 implementations',
    '9 1 implementation' }), titles)
  vim.api.nvim_win_set_cursor(0, { 2, 4 }) -- the trait's `fn area`
  vim.fn.setqflist({}, 'r')
  vim.cmd('ParseltongueCodeLens')
  vim.wait(5000, function() return #vim.fn.getqflist() > 0 end, 50)
  check(':ParseltongueCodeLens on `fn area`: its two call sites in the quickfix list',
    vim.deep_equal(qf_places(), { 'lib.rs:12', 'lib.rs:27' }), qf_places())

  -- ---- type hierarchy (Neovim 0.7 has no view of its own: the quickfix list) ----------------
  vim.api.nvim_win_set_cursor(0, { 1, 11 }) -- `Area`
  pt.last.subtypes = nil
  vim.cmd('ParseltongueSubtypes')
  vim.wait(5000, function() return pt.last.subtypes ~= nil end, 50)
  check(':ParseltongueSubtypes on Area: Circle (shapes.rs:6) and Square (shapes.rs:10)',
    vim.deep_equal(qf_places(), { 'shapes.rs:10', 'shapes.rs:6' }), qf_places())
  vim.api.nvim_win_set_cursor(0, { 6, 13 }) -- `Circle`
  pt.last.supertypes = nil
  vim.cmd('ParseltongueSupertypes')
  vim.wait(5000, function() return pt.last.supertypes ~= nil end, 50)
  local sup = {}
  for _, it in ipairs(type(pt.last.supertypes) == 'table' and pt.last.supertypes or {}) do
    table.insert(sup, it.name)
  end
  table.sort(sup)
  check(':ParseltongueSupertypes on Circle: Area, and std\'s Clone and Debug (at the derive, shapes.rs:5)',
    vim.deep_equal(sup, { 'Area', 'std::clone::Clone', 'std::fmt::Debug' }) and
    vim.deep_equal(qf_places(), { 'shapes.rs:1', 'shapes.rs:5', 'shapes.rs:5' }), { sup, qf_places() })
  pt.last.implementations = nil
  vim.cmd('ParseltongueImplementations')
  vim.wait(5000, function() return pt.last.implementations ~= nil end, 50)
  check(':ParseltongueImplementations on Circle: Area (impl at shapes.rs:14) and the derives (shapes.rs:5)',
    vim.deep_equal(qf_places(), { 'shapes.rs:14', 'shapes.rs:5', 'shapes.rs:5' }), qf_places())

  -- ---- the statusline component never waits ----------------------------------------------------
  vim.o.statusline = "%f %{v:lua.require'parseltongue'.statusline()}"
  local line
  vim.wait(5000, function()
    vim.cmd('redrawstatus')
    line = pt.statusline(shapes)
    return line:match('^parseltongue: %d+ entities$') ~= nil
  end, 50)
  check('statusline(): "parseltongue: N entities" once the index is ready', line and line:match('^parseltongue: %d+ entities$'), line)
  -- the server busy for 1.5 s (test-only request): statusline() answers from what it has,
  -- and its own request waits behind the busy one without holding the editor
  local slept = false
  if vim.fn.has('nvim-0.11') == 1 then
    client:request('parseltongue/_sleep', { ms = 1500 }, function() slept = true end, shapes)
  else
    client.request('parseltongue/_sleep', { ms = 1500 }, function() slept = true end, shapes)
  end
  vim.wait(400, function() return false end, 50) -- the text is now older than statusline_interval_ms
  local busy_line = pt.statusline(shapes)
  vim.cmd('redrawstatus')
  vim.wait(100, function() return false end, 20) -- the refresh it scheduled is sent
  check('statusline() while the server is busy: returns the last text at once (the busy request still running)',
    busy_line == line and not slept, { busy_line, slept })
  vim.wait(5000, function() return slept end, 50)

  -- ---- :checkhealth parseltongue ---------------------------------------------------------------
  local h = health_lines()
  check(':checkhealth parseltongue: Neovim, setup, the server and its version, the index ready',
    h:match('OK:? Neovim 0%.') and h:match('OK:? setup%(%) has run') and h:match('OK:? server: ' .. vim.pesc(BIN) .. ' %(parseltongue %d')
      and h:match('OK:? client %d+: ' .. vim.pesc(WORK) .. ': ready, 5 files') and not h:match('ERROR'), h)
  local saved = pt.config.cmd
  pt.config.cmd = { '/nonexistent/parseltongue', '--stdio' }
  h = health_lines()
  pt.config.cmd = saved
  check(':checkhealth parseltongue: a missing server binary is an ERROR', h:match('ERROR:? server "/nonexistent/parseltongue" not found') ~= nil, h)

  -- ---- textDocument/implementation through the client -------------------------------
  vim.api.nvim_win_set_cursor(0, { 1, 11 }) -- on `Area`
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local res = vim.lsp.buf_request_sync(shapes, 'textDocument/implementation', params, 10000)
  local impl = res and res[client.id] and res[client.id].result
  local got = {}
  for _, l in ipairs(type(impl) == 'table' and impl or {}) do
    table.insert(got, vim.fn.fnamemodify(vim.uri_to_fname(l.uri or l.targetUri), ':t') .. ':' ..
      (l.range or l.targetSelectionRange).start.line)
  end
  table.sort(got)
  check('implementation of trait Area: impls at shapes.rs:13 and :19', vim.deep_equal(got, { 'shapes.rs:13', 'shapes.rs:19' }),
    got)

  -- the same through the user-facing vim.lsp.buf.implementation() (quickfix list)
  vim.fn.setqflist({}, 'r')
  vim.lsp.buf.implementation()
  local qf
  vim.wait(10000, function()
    qf = vim.fn.getqflist()
    return #qf >= 2
  end, 50)
  local lnums = {}
  for _, it in ipairs(qf or {}) do
    table.insert(lnums, vim.fn.fnamemodify(vim.fn.bufname(it.bufnr), ':t') .. ':' .. it.lnum)
  end
  table.sort(lnums)
  check('vim.lsp.buf.implementation(): quickfix at shapes.rs:14 and :20 (1-based)',
    vim.deep_equal(lnums, { 'shapes.rs:14', 'shapes.rs:20' }), lnums)
  vim.cmd('cclose')

  -- ---- call hierarchy: incoming calls of helper ----------------------------------------
  vim.cmd('edit ' .. vim.fn.fnameescape(WORK .. '/src/lib.rs'))
  local lib = vim.api.nvim_get_current_buf()
  vim.wait(5000, function() return vim.lsp.buf_is_attached(lib, client.id) end, 50)
  check('the same client attaches to a second buffer of the root', vim.lsp.buf_is_attached(lib, client.id))
  vim.api.nvim_win_set_cursor(0, { 22, 8 }) -- `pub fn helper`
  params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  res = vim.lsp.buf_request_sync(lib, 'textDocument/prepareCallHierarchy', params, 10000)
  local items = res and res[client.id] and res[client.id].result
  local item = type(items) == 'table' and items[1] or nil
  if check('prepareCallHierarchy: helper', item and item.name == 'helper', items) then
    res = vim.lsp.buf_request_sync(lib, 'callHierarchy/incomingCalls', { item = item }, 10000)
    local calls = res and res[client.id] and res[client.id].result or {}
    local froms, sites = {}, {}
    local line17 = vim.api.nvim_buf_get_lines(lib, 17, 18, false)[1]
    for _, call in ipairs(calls) do
      table.insert(froms, call.from.name)
      for _, r in ipairs(call.fromRanges) do
        local ch = r.start.character
        if client.offset_encoding ~= 'utf-8' and r.start.line == 17 then
          ch = vim.str_byteindex(line17, ch, client.offset_encoding == 'utf-16')
        end
        table.insert(sites, string.format('%s@%d:%d', call.from.name, r.start.line, ch))
      end
    end
    table.sort(froms)
    table.sort(sites)
    check('incomingCalls of helper: describe and twice', vim.deep_equal(froms, { 'describe', 'twice' }), froms)
    check('incomingCalls fromRanges (byte 48 after non-ASCII text, ' .. client.offset_encoding .. ')',
      vim.deep_equal(sites, { 'describe@17:48', 'twice@30:16', 'twice@30:4' }), sites)
  end

  -- ---- custom requests through the plugin's commands ----------------------------------------
  vim.api.nvim_win_set_cursor(0, { 22, 8 })
  pt.last.blast_radius = nil
  vim.fn.setqflist({}, 'r')
  vim.cmd('ParseltongueBlastRadius 2')
  vim.wait(10000, function() return pt.last.blast_radius ~= nil end, 50)
  local br = pt.last.blast_radius
  local names = {}
  for _, it in ipairs(type(br) == 'table' and br.items or {}) do
    table.insert(names, it.name .. '/' .. it.depth)
  end
  table.sort(names)
  check(':ParseltongueBlastRadius 2 on helper: describe and twice at depth 1',
    type(br) == 'table' and br.target.name == 'helper' and br.depth == 2 and vim.tbl_contains(names, 'describe/1')
      and vim.tbl_contains(names, 'twice/1'), br)
  qf = vim.fn.getqflist()
  local qtext = {}
  for _, it in ipairs(qf) do
    table.insert(qtext, vim.fn.fnamemodify(vim.fn.bufname(it.bufnr), ':t') .. ':' .. it.lnum .. ' ' .. it.text)
  end
  local function qf_has(pat)
    for _, t in ipairs(qtext) do
      if t:match(pat) then
        return true
      end
    end
    return false
  end
  -- each entry at the site where the dependency is written: helper's calls on lib.rs lines 18 and 31 (1-based)
  check(':ParseltongueBlastRadius fills the quickfix list (lib.rs:18 describe, lib.rs:31 twice)',
    qf_has('^lib%.rs:18 depth 1 .*lspfix::describe') and qf_has('^lib%.rs:31 depth 1 .*lspfix::twice'), qtext)
  check('quickfix title names the target', (vim.fn.getqflist({ title = 1 }).title or ''):match('lspfix::helper') ~= nil,
    vim.fn.getqflist({ title = 1 }))

  vim.fn.setreg('a', '')
  pt.last.context = nil
  vim.cmd('ParseltongueContext a')
  vim.wait(10000, function() return pt.last.context ~= nil end, 50)
  local reg = vim.fn.getreg('a')
  check(':ParseltongueContext a: the context in register a', reg:match('helper') and reg:match('pub fn helper%(x: u32%) %-> u32')
    ~= nil, reg)
  local sbuf = vim.fn.bufnr('parseltongue://context')
  check(':ParseltongueContext: a scratch buffer with the same text', sbuf > 0 and
    table.concat(vim.api.nvim_buf_get_lines(sbuf, 0, -1, false), '\n') == reg and vim.bo[sbuf].buftype == 'nofile')
  vim.cmd('only')
  vim.api.nvim_set_current_buf(lib)
  vim.api.nvim_win_set_cursor(0, { 22, 8 })
  vim.fn.setreg('"', '')
  pt.last.context = nil
  vim.cmd('ParseltongueContext')
  vim.wait(10000, function() return pt.last.context ~= nil end, 50)
  check(':ParseltongueContext without a register: the unnamed register', vim.fn.getreg('"'):match('helper') ~= nil)
  vim.cmd('only')
  vim.api.nvim_set_current_buf(lib)

  pt.last.find_cycles = nil
  vim.fn.setqflist({}, 'r')
  vim.cmd('ParseltongueCycles module')
  vim.wait(10000, function() return pt.last.find_cycles ~= nil end, 50)
  local fc = pt.last.find_cycles
  local mods = {}
  for _, cy in ipairs(type(fc) == 'table' and fc.cycles or {}) do
    for _, m in ipairs(cy.members) do
      table.insert(mods, m.qualifiedName)
    end
  end
  table.sort(mods)
  check(':ParseltongueCycles module: lspfix::ping and lspfix::pong', vim.deep_equal(mods, { 'lspfix::ping', 'lspfix::pong' }),
    fc)
  check(':ParseltongueCycles: two quickfix entries', #vim.fn.getqflist() == 2, vim.fn.getqflist())

  local status = vim.api.nvim_exec('ParseltongueStatus', true)
  check(':ParseltongueStatus: state and counts', status:match('ready, 5 files, %d+ entities') ~= nil and
    status:match(vim.pesc(DB)) ~= nil, status)

  -- ---- diagnostics (pushed to 0.7; pulled by newer versions) -------------------------------------
  vim.cmd('edit ' .. vim.fn.fnameescape(WORK .. '/src/ping.rs'))
  local ping = vim.api.nvim_get_current_buf()
  local diags
  vim.wait(10000, function()
    diags = vim.diagnostic.get(ping)
    return #diags > 0
  end, 100)
  local d = diags and diags[1]
  check('module cycle diagnostic on ping.rs:0:4 (warning)', d and d.lnum == 0 and d.col == 4 and
    d.severity == vim.diagnostic.severity.WARN and d.message:match('cycle') ~= nil, diags)

  -- ---- an edit: the server asks for fresh lenses, unit_circle gets a caller ------------------------
  vim.api.nvim_set_current_buf(lib)
  vim.api.nvim_buf_set_lines(lib, -1, -1, false, { 'pub fn one() -> f64 {', '    shapes::unit_circle().r', '}' })
  local after
  vim.wait(15000, function()
    after = lens_titles(shapes)
    return after and vim.tbl_contains(after, '25 1 caller')
  end, 100)
  check('after an edit in lib.rs: workspace/codeLens/refresh, and unit_circle shows 1 caller', after and
    vim.tbl_contains(after, '25 1 caller'), after)
  vim.cmd('ParseltongueCodeLens off')
  local r = vim.lsp.buf_request_sync(shapes, 'textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(shapes) } }, 5000)
  check(':ParseltongueCodeLens off: none shown, the server gives none', #vim.lsp.codelens.get(shapes) == 0 and
    r and r[client.id] and vim.deep_equal(r[client.id].result, {}), r)
  vim.cmd('ParseltongueCodeLens on')
  vim.wait(10000, function() return lens_titles(shapes) ~= nil end, 50)
  check(':ParseltongueCodeLens on: lenses again', lens_titles(shapes) ~= nil)

  -- ---- the nvim-lspconfig-style server config, started by hand as lspconfig would --------------------
  local cfg = require('lspconfig.server_configurations.parseltongue')
  local dc = cfg.default_config
  check('lspconfig config: cmd, filetypes, root_dir, docs', vim.deep_equal(dc.cmd, { 'parseltongue', '--stdio' }) and
    vim.deep_equal(dc.filetypes, { 'rust' }) and dc.root_dir(WORK .. '/src/lib.rs') == WORK and
    dc.root_dir('/') == nil and type(cfg.docs.description) == 'string', dc)
  check('lspconfig config: the newer lspconfig.configs path gives the same', require('lspconfig.configs.parseltongue') == cfg)
  local id2 = vim.lsp.start_client(vim.tbl_extend('force', dc, {
    name = 'pt-lspconfig', cmd = { BIN, '--stdio', '--db', DB .. '-lspconfig' }, root_dir = dc.root_dir(WORK .. '/src/lib.rs'),
    workspace_folders = { { uri = vim.uri_from_fname(WORK), name = WORK } } }))
  local c2 = id2 and vim.lsp.get_client_by_id(id2)
  local st2
  vim.wait(20000, function()
    c2 = vim.lsp.get_client_by_id(id2)
    if not (c2 and c2.initialized) then
      return false
    end
    local rr = request_sync(c2, 'parseltongue/stats', {}, 0)
    st2 = rr and rr.result
    return st2 and st2.roots[1] and st2.roots[1].state == 'ready'
  end, 100)
  check('a client started from the lspconfig config indexes the crate', st2 and st2.files == 5, st2)
  if c2 then
    vim.lsp.stop_client(id2)
  end

  -- ---- clean shutdown -----------------------------------------------------------------------------
  local id = client.id
  vim.lsp.stop_client(id)
  local stopped = vim.wait(10000, function() return vim.lsp.client_is_stopped(id) end, 50)
  check('the client stops (shutdown + exit)', stopped)

  -- ---- the server's info lines are logged at INFO (window/logMessage), not as stderr ERRORs --------
  local log = table.concat(vim.fn.readfile(vim.lsp.get_log_path()), '\n')
  local info, err = false, false
  for l in log:gmatch('[^\n]+') do
    if l:match('database ' .. vim.pesc(DB)) then
      info = info or l:match('^%[INFO%]') ~= nil
      err = err or l:match('^%[ERROR%]') ~= nil
    end
  end
  check('lsp.log: the server\'s "workspace …, database …" line at INFO, never at ERROR', info and not err,
    log:sub(-1500))
end

local ok, err = xpcall(run, debug.traceback)
check('the test ran to the end', ok, err)
finish()
