-- Headless Neovim test of nvim/ (the parseltongue plugin) with the real server
-- on a copy of tests/fixtures/lsp1. Run by tests/clients/nvim.sh, which sets
--   PT_BIN (server), PT_WORK (the fixture copy), PT_DB (database dir), PT_OUT (results file).
-- Expectations by hand from the fixture (0-based LSP lines):
--   shapes.rs 0  `pub trait Area`          impls at lines 13 and 19 (`impl Area for Circle/Square`)
--   lib.rs   21  `pub fn helper`           called from describe (line 17, after non-ASCII text:
--                                           byte 48 = utf-16 unit 40) and twice (line 30, columns 4 and 16)
--   ping.rs / pong.rs use each other's types: a module cycle, warned at `use` (line 0, column 4)
local BIN, WORK, DB, OUT = os.getenv('PT_BIN'), os.getenv('PT_WORK'), os.getenv('PT_DB'), os.getenv('PT_OUT')
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

local function run()
  vim.cmd('filetype on')
  check('Neovim version ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor), true)
  local pt = require('parseltongue')
  pt.setup({ cmd = { BIN, '--stdio' }, db = function() return DB end,
             cmd_env = { PARSELTONGUE_LSP_SETTLE_MS = '3000' }, open_quickfix = false })
  check('user commands defined', vim.fn.exists(':ParseltongueBlastRadius') == 2 and vim.fn.exists(':ParseltongueCycles') == 2
    and vim.fn.exists(':ParseltongueContext') == 2 and vim.fn.exists(':ParseltongueStatus') == 2)

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

  -- ---- clean shutdown -----------------------------------------------------------------------------
  local id = client.id
  vim.lsp.stop_client(id)
  local stopped = vim.wait(10000, function() return vim.lsp.client_is_stopped(id) end, 50)
  check('the client stops (shutdown + exit)', stopped)
end

local ok, err = xpcall(run, debug.traceback)
check('the test ran to the end', ok, err)
finish()
