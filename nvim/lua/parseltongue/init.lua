-- Parseltongue for Neovim: starts `parseltongue --stdio` for Rust buffers and
-- adds commands for its custom requests.
-- SPDX-License-Identifier: MIT (see LICENSE at the top of the repository)
--
--   require('parseltongue').setup{ cmd = {'parseltongue', '--stdio'}, db = nil }
--
-- Works on Neovim 0.7 (vim.lsp.start_client + vim.lsp.buf_attach_client, one
-- client per root) and on 0.8+ (vim.lsp.start, which reuses a client by name
-- and root). See nvim/README.md.
local M = {}

local defaults = {
  name = 'parseltongue',
  -- The server command; '--stdio' is added when missing.
  cmd = { 'parseltongue', '--stdio' },
  -- Extra arguments after cmd.
  args = {},
  -- Database directory: nil (the server's default, <root>/.cache/parseltongue),
  -- a string, or function(root) -> string|nil.
  db = nil,
  -- Environment of the server process (e.g. { PARSELTONGUE_LSP_SETTLE_MS = '500' }).
  -- PARSELTONGUE_LSP_STDERR_LEVEL defaults to 'warning': Neovim logs a server's
  -- stderr at ERROR, and the server's info lines reach the log (at INFO) through
  -- window/logMessage anyway.
  cmd_env = nil,
  filetypes = { 'rust' },
  -- function(fname) -> root directory; default: the nearest Cargo.toml's
  -- directory (an enclosing [workspace] Cargo.toml wins), else the cwd.
  root_dir = nil,
  autostart = true,
  on_attach = nil,
  capabilities = nil,
  handlers = nil,
  -- Code lenses ("N callers", "N implementations"), refreshed on BufEnter,
  -- InsertLeave and when the server asks; :ParseltongueCodeLens on|off.
  codelens = true,
  -- The statusline component: parseltongue/stats is asked again (without
  -- waiting) when the text shown is older than this.
  statusline_interval_ms = 2000,
  -- Commands.
  blast_radius_depth = 3,
  context_tokens = 2000,
  context_register = '"', -- :ParseltongueContext without a register writes here
  open_quickfix = true,
  timeout_ms = 10000, -- for the synchronous helpers (status, tests)
}

M.config = vim.deepcopy(defaults)
-- The last answer of each custom request, for scripts and statuslines.
M.last = {}

local clients_by_root = {} -- Neovim 0.7 only: root -> client id

local function notify(msg, level)
  vim.notify('parseltongue: ' .. msg, level or vim.log.levels.INFO)
end

local function has(feature)
  return vim.fn.has(feature) == 1
end

-- client:request on 0.11+ (method syntax), client.request before.
local function client_request(client, method, params, handler, bufnr)
  if has('nvim-0.11') then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function client_request_sync(client, method, params, timeout_ms, bufnr)
  if has('nvim-0.11') then
    return client:request_sync(method, params, timeout_ms, bufnr)
  end
  return client.request_sync(method, params, timeout_ms, bufnr)
end

local function dirname(path)
  return vim.fn.fnamemodify(path, ':h')
end

local function file_has_workspace(cargo)
  local ok, lines = pcall(vim.fn.readfile, cargo)
  if not ok then
    return false
  end
  for _, l in ipairs(lines) do
    if l:match('^%s*%[workspace%]') then
      return true
    end
  end
  return false
end

--- The Cargo root of fname: the nearest Cargo.toml's directory, or an
--- enclosing Cargo.toml with a [workspace] table; nil when there is none.
function M.cargo_root(fname)
  local dir = dirname(vim.fn.fnamemodify(fname, ':p'))
  local found = vim.fn.findfile('Cargo.toml', dir .. ';')
  if found == '' then
    return nil
  end
  local root = dirname(vim.fn.fnamemodify(found, ':p'))
  local d = root
  while true do
    local up = dirname(d)
    if up == d then
      break
    end
    d = up
    local cargo = d .. '/Cargo.toml'
    if vim.fn.filereadable(cargo) == 1 and file_has_workspace(cargo) then
      return d
    end
  end
  return root
end

--- The root of fname: its Cargo root, else the current directory.
function M.find_root(fname)
  return M.cargo_root(fname) or vim.fn.getcwd()
end

local function server_cmd(root)
  local c = M.config
  local cmd = type(c.cmd) == 'string' and { c.cmd } or vim.deepcopy(c.cmd)
  if not vim.tbl_contains(cmd, '--stdio') then
    table.insert(cmd, '--stdio')
  end
  vim.list_extend(cmd, c.args or {})
  local db = c.db
  if type(db) == 'function' then
    db = db(root)
  end
  if db then
    vim.list_extend(cmd, { '--db', db })
  end
  return cmd
end

--- The client capabilities: Neovim's, with what the plugin handles itself.
function M.capabilities(base)
  local caps = vim.deepcopy(base or vim.lsp.protocol.make_client_capabilities())
  caps.workspace = caps.workspace or {}
  -- workspace/codeLens/refresh is answered by M.handlers below
  caps.workspace.codeLens = vim.tbl_extend('force', caps.workspace.codeLens or {}, { refreshSupport = true })
  return caps
end

local function server_env()
  return vim.tbl_extend('keep', M.config.cmd_env or {}, { PARSELTONGUE_LSP_STDERR_LEVEL = 'warning' })
end

local function client_config(root)
  local c = M.config
  return {
    name = c.name,
    cmd = server_cmd(root),
    cmd_env = server_env(),
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = M.capabilities(c.capabilities),
    init_options = { codeLens = c.codelens },
    on_attach = function(client, bufnr)
      M.on_attach(client, bufnr)
      if c.on_attach then
        c.on_attach(client, bufnr)
      end
    end,
    handlers = vim.tbl_extend('keep', c.handlers or {}, M.handlers),
  }
end

--- Start (or reuse) the client for bufnr's root and attach it. Returns the client id.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local root = (M.config.root_dir or M.find_root)(fname ~= '' and fname or vim.fn.getcwd() .. '/x')
  if not root then
    return nil
  end
  local config = client_config(root)
  if vim.lsp.start then
    local id
    vim.api.nvim_buf_call(bufnr, function()
      id = vim.lsp.start(config, { bufnr = bufnr })
    end)
    return id
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    if not id then
      notify('cannot start ' .. config.cmd[1], vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function all_clients()
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local out = {}
  for _, cl in ipairs(get()) do
    if cl.name == M.config.name then
      table.insert(out, cl)
    end
  end
  return out
end

--- The parseltongue client of bufnr (else any running one), or nil.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local any
  for _, cl in ipairs(all_clients()) do
    if vim.lsp.buf_is_attached(bufnr, cl.id) then
      return cl
    end
    any = any or cl
  end
  return any
end

local function need_client()
  local cl = M.client(0)
  if not cl then
    notify('not running (open a Rust file, or check the `cmd` given to setup)', vim.log.levels.WARN)
  end
  return cl
end

local function position_params(client)
  return vim.lsp.util.make_position_params(0, client.offset_encoding or 'utf-16')
end

local function fname_of(uri)
  return vim.uri_to_fname(uri)
end

local function set_qf(title, items)
  vim.fn.setqflist({}, ' ', { title = title, items = items })
  if M.config.open_quickfix and #items > 0 then
    vim.cmd('botright copen')
  end
end

-- A quickfix item at an Entity (or Location-like table with uri + range).
local function entity_item(client, e, text)
  if not e.uri or not e.range then
    return nil
  end
  local loc = { uri = e.uri, range = e.selectionRange or e.range }
  local it = vim.lsp.util.locations_to_items({ loc }, client.offset_encoding or 'utf-16')[1]
  if it then
    it.text = text
  end
  return it
end

local function on_answer(method, cb)
  return function(err, result)
    if err then
      notify(method .. ': ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    cb(result)
  end
end

--- parseltongue/blastRadius at the cursor; the affected entities into the quickfix list.
function M.blast_radius(opts)
  opts = opts or {}
  local client = need_client()
  if not client then
    return
  end
  local params = position_params(client)
  params.depth = opts.depth or M.config.blast_radius_depth
  client_request(client, 'parseltongue/blastRadius', params, on_answer('blastRadius', function(res)
    M.last.blast_radius = res
    if res == vim.NIL or not res then
      notify('nothing under the cursor')
      return
    end
    local items = {}
    for _, e in ipairs(res.items or {}) do
      local via = table.concat(e.via or {}, ' → ')
      -- Point at the site (where the dependency is written) when there is one.
      local at = (e.site and e.site ~= vim.NIL and e.site.uri) and e.site or e
      local it = entity_item(client, at, string.format('depth %d %s %s %s  (%s)', e.depth or 0, e.relation or '',
        e.kind or '', e.qualifiedName or e.name or '?', via))
      if it then
        table.insert(items, it)
      end
    end
    set_qf(string.format('blast radius of %s (depth %d)', res.target.qualifiedName or '?', res.depth or params.depth),
      items)
    notify(string.format('%s: %d affected%s', res.target.qualifiedName or '?', #(res.items or {}),
      res.truncated and ' (truncated)' or ''))
    if opts.callback then
      opts.callback(res)
    end
  end), 0)
end

--- parseltongue/findCycles; each cycle's members into the quickfix list.
function M.find_cycles(opts)
  opts = opts or {}
  local client = need_client()
  if not client then
    return
  end
  local params = opts.level and { level = opts.level } or {}
  client_request(client, 'parseltongue/findCycles', params, on_answer('findCycles', function(res)
    M.last.find_cycles = res
    local items = {}
    for n, cy in ipairs((res and res ~= vim.NIL and res.cycles) or {}) do
      local names = {}
      for _, e in ipairs(cy.members or {}) do
        table.insert(names, e.qualifiedName or e.name)
      end
      for _, e in ipairs(cy.members or {}) do
        local it = entity_item(client, e, string.format('cycle %d (%s, %d members): %s  [%s]', n, cy.level or '?',
          #cy.members, e.qualifiedName or e.name or '?', table.concat(names, ' ↔ ')))
        if it then
          table.insert(items, it)
        end
      end
    end
    local count = #((res and res ~= vim.NIL and res.cycles) or {})
    set_qf('parseltongue cycles', items)
    notify(count == 0 and 'no cycles' or string.format('%d cycle%s', count, count == 1 and '' or 's'))
    if opts.callback then
      opts.callback(res)
    end
  end), 0)
end

local function scratch(name, text)
  local buf
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(b) == name then
      buf = b
    end
  end
  if not buf then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].buftype = 'nofile'
    vim.bo[buf].bufhidden = 'hide'
    vim.bo[buf].swapfile = false
    vim.bo[buf].filetype = 'markdown'
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text, '\n', { plain = true }))
  vim.bo[buf].modifiable = false
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
  end
  return buf
end

--- parseltongue/generateContext at the cursor: into a scratch buffer and a register.
function M.context(opts)
  opts = opts or {}
  local client = need_client()
  if not client then
    return
  end
  local params = position_params(client)
  params.tokens = opts.tokens or M.config.context_tokens
  local reg = (opts.register and opts.register ~= '') and opts.register or M.config.context_register
  client_request(client, 'parseltongue/generateContext', params, on_answer('generateContext', function(res)
    M.last.context = res
    if res == vim.NIL or not res then
      notify('nothing under the cursor')
      return
    end
    vim.fn.setreg(reg, res.text)
    local buf = scratch('parseltongue://context', res.text)
    notify(string.format('context for %s: %d tokens, in register %s', res.target.qualifiedName or '?', res.tokens or 0,
      reg))
    if opts.callback then
      opts.callback(res, buf)
    end
  end), 0)
end

local function status_line(client, st)
  local parts = {}
  for _, r in ipairs(st.roots or {}) do
    table.insert(parts, string.format('%s: %s, %d files, %d entities, %d edges, db %s%s', fname_of(r.root), r.state,
      r.files or 0, r.entities or 0, r.edges or 0, r.database or '?',
      (r.error and r.error ~= vim.NIL) and (' (' .. r.error .. ')') or ''))
  end
  return string.format('parseltongue [client %d, %s]: %s', client.id, st.positionEncoding or '?',
    table.concat(parts, '; '))
end

--- parseltongue/stats of every running client, synchronously. Returns the lines.
function M.status()
  local lines = {}
  for _, client in ipairs(all_clients()) do
    local r = client_request_sync(client, 'parseltongue/stats', {}, M.config.timeout_ms, 0)
    if r and r.result then
      M.last.stats = r.result
      table.insert(lines, status_line(client, r.result))
    else
      table.insert(lines, string.format('parseltongue [client %d]: no answer (%s)', client.id,
        r and r.err and (r.err.message or vim.inspect(r.err)) or 'timeout'))
    end
  end
  if #lines == 0 then
    lines = { 'parseltongue: not running' }
  end
  for _, l in ipairs(lines) do
    vim.api.nvim_echo({ { l } }, true, {})
  end
  return lines
end

-- ---- code lenses -------------------------------------------------------------------

local function lens_buffers(client)
  local out = {}
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.lsp.buf_is_attached(b, client.id) then
      table.insert(out, b)
    end
  end
  return out
end

--- Ask for the code lenses of bufnr (they are resolved lazily by Neovim).
function M.codelens_refresh(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if not M.config.codelens or not vim.api.nvim_buf_is_loaded(bufnr) then
    return
  end
  vim.api.nvim_buf_call(bufnr, function()
    vim.lsp.codelens.refresh()
  end)
end

--- Turn code lenses on or off, here and in the server (workspace/didChangeConfiguration).
function M.set_codelens(on)
  M.config.codelens = on and true or false
  for _, client in ipairs(all_clients()) do
    client.notify('workspace/didChangeConfiguration',
      { settings = { parseltongue = { codeLens = { enable = M.config.codelens } } } })
    for _, b in ipairs(lens_buffers(client)) do
      if M.config.codelens then
        M.codelens_refresh(b)
      else
        vim.lsp.codelens.display({}, b, client.id)
        vim.lsp.codelens.save({}, b, client.id)
      end
    end
  end
end

-- The lenses' command (and any parseltongue.showReferences a server sends):
-- arguments [uri, position, locations] → the quickfix list.
local function show_references(command, ctx)
  local args = command.arguments or {}
  local client = ctx and vim.lsp.get_client_by_id(ctx.client_id) or M.client(0)
  local enc = client and client.offset_encoding or 'utf-16'
  local locs = type(args[3]) == 'table' and args[3] or {}
  local items = vim.lsp.util.locations_to_items(locs, enc)
  M.last.references = items
  set_qf(command.title or 'parseltongue', items)
end
vim.lsp.commands['parseltongue.showReferences'] = show_references

M.handlers = {
  -- The server asks for fresh lenses after the graph changed: the attached buffers.
  ['workspace/codeLens/refresh'] = function(_, _, ctx)
    local client = vim.lsp.get_client_by_id(ctx.client_id)
    if client then
      for _, b in ipairs(lens_buffers(client)) do
        M.codelens_refresh(b)
      end
    end
    return vim.NIL
  end,
}

--- Called when the client attaches to a buffer (before the user's on_attach).
function M.on_attach(client, bufnr)
  local caps = client.server_capabilities or client.resolved_capabilities or {}
  if caps.codeLensProvider or caps.code_lens then
    local group = vim.api.nvim_create_augroup('parseltongue_lens_' .. bufnr, { clear = true })
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave' }, {
      group = group,
      buffer = bufnr,
      callback = function()
        M.codelens_refresh(bufnr)
      end,
    })
    M.codelens_refresh(bufnr)
  end
  M.statusline_refresh(client)
end

-- ---- the statusline component --------------------------------------------------------

local status_cache = {} -- client id -> { text, at, pending }

local function status_text(st)
  local state, entities = 'ready', 0
  for _, r in ipairs(st.roots or {}) do
    entities = entities + (r.entities or 0)
    if r.state == 'failed' then
      state = 'failed'
    elseif (r.state ~= 'ready' or (r.pendingUpdates or 0) > 0) and state ~= 'failed' then
      state = 'indexing'
    end
  end
  if state == 'ready' then
    return string.format('parseltongue: %d entities', entities)
  end
  return 'parseltongue: ' .. state
end

--- Ask parseltongue/stats for the statusline without waiting; the answer
--- updates the text and redraws the statuslines.
function M.statusline_refresh(client)
  local c = status_cache[client.id] or { text = 'parseltongue: starting', at = 0 }
  status_cache[client.id] = c
  if c.pending or client.is_stopped() then
    return
  end
  c.pending = true
  client_request(client, 'parseltongue/stats', {}, function(err, res)
    c.pending = false
    c.at = vim.loop.now()
    if not err and type(res) == 'table' then
      M.last.stats = res
      c.text = status_text(res)
    end
    vim.cmd('redrawstatus!')
  end, 0)
end

--- For 'statusline': the index state of the buffer's server ("parseltongue:
--- 1813 entities", "parseltongue: indexing"), or ''. Never waits: it shows
--- the last answer and, when that is older than statusline_interval_ms, asks
--- again in the background.
function M.statusline(bufnr)
  local client = M.client(bufnr or 0)
  if not client then
    return ''
  end
  local c = status_cache[client.id]
  -- while indexing, every half second at most
  local interval = M.config.statusline_interval_ms
  if c and not c.text:match('entities$') then
    interval = math.min(interval, 500)
  end
  if not c or (not c.pending and vim.loop.now() - c.at > interval) then
    -- not from inside the redraw: the request is sent right after it
    vim.schedule(function()
      M.statusline_refresh(client)
    end)
  end
  return c and c.text or 'parseltongue: starting'
end

-- ---- implementations and the type hierarchy into the quickfix list -------------------

--- parseltongue/whatImplements at the cursor: impls and derives (of a trait), or the
--- traits (of a type), into the quickfix list.
function M.implementations(opts)
  opts = opts or {}
  local client = need_client()
  if not client then
    return
  end
  client_request(client, 'parseltongue/whatImplements', position_params(client), on_answer('whatImplements', function(res)
    M.last.implementations = res
    if res == vim.NIL or not res then
      notify('nothing under the cursor')
      return
    end
    local items = {}
    for _, i in ipairs(res.items or {}) do
      local it = i.location and entity_item(client, i.location,
        string.format('%s %s for %s', i.kind or 'impl', i.trait or '?', i.type or '?'))
      if it then
        table.insert(items, it)
      end
    end
    set_qf('implementations of ' .. (res.target.qualifiedName or '?'), items)
    if opts.callback then
      opts.callback(res)
    end
  end), 0)
end

--- The type hierarchy (textDocument/prepareTypeHierarchy, then
--- typeHierarchy/supertypes or /subtypes) of the trait or type at the cursor,
--- into the quickfix list. direction: 'supertypes' or 'subtypes'.
function M.type_hierarchy(direction, opts)
  opts = opts or {}
  local client = need_client()
  if not client then
    return
  end
  local method = 'typeHierarchy/' .. direction
  client_request(client, 'textDocument/prepareTypeHierarchy', position_params(client),
    on_answer('prepareTypeHierarchy', function(items)
      if type(items) ~= 'table' or not items[1] then
        notify('no trait or type under the cursor')
        return
      end
      local item = items[1]
      client_request(client, method, { item = item }, on_answer(method, function(res)
        M.last[direction] = res
        local qf = {}
        for _, t in ipairs(type(res) == 'table' and res or {}) do
          local it = entity_item(client, t, (t.detail and t.detail ~= '' and t.detail) or t.name)
          if it then
            table.insert(qf, it)
          end
        end
        set_qf(direction .. ' of ' .. item.name, qf)
        if opts.callback then
          opts.callback(res)
        end
      end), 0)
    end), 0)
end

--- workspace/executeCommand parseltongue/reindex: every folder compared with the disk again.
function M.reindex()
  local client = need_client()
  if client then
    client_request(client, 'workspace/executeCommand', { command = 'parseltongue/reindex', arguments = {} },
      on_answer('reindex', function()
        notify('rescanning')
      end), 0)
  end
end

local function define_commands()
  -- bar: `:ParseltongueStatus | echo 1` runs both
  local function cmd(name, fn, opts)
    vim.api.nvim_create_user_command(name, fn, vim.tbl_extend('force', { bar = true }, opts))
  end
  cmd('ParseltongueBlastRadius', function(a)
    M.blast_radius({ depth = tonumber(a.args) })
  end, { nargs = '?', desc = 'Parseltongue: what depends on the symbol under the cursor (quickfix)' })
  cmd('ParseltongueImplementations', function()
    M.implementations()
  end, { desc = 'Parseltongue: impls of the trait (traits of the type) under the cursor (quickfix)' })
  cmd('ParseltongueSupertypes', function()
    M.type_hierarchy('supertypes')
  end, { desc = 'Parseltongue: supertraits of the trait, traits of the type (quickfix)' })
  cmd('ParseltongueSubtypes', function()
    M.type_hierarchy('subtypes')
  end, { desc = 'Parseltongue: implementors and subtraits of the trait (quickfix)' })
  cmd('ParseltongueCycles', function(a)
    M.find_cycles({ level = a.args ~= '' and a.args or nil })
  end, {
    nargs = '?',
    complete = function()
      return { 'module', 'function', 'all' }
    end,
    desc = 'Parseltongue: dependency cycles (quickfix)',
  })
  cmd('ParseltongueContext', function(a)
    M.context({ register = a.reg })
  end, { register = true, desc = 'Parseltongue: LLM context for the symbol (scratch buffer + register)' })
  cmd('ParseltongueStatus', function()
    M.status()
  end, { desc = 'Parseltongue: index state of each root' })
  cmd('ParseltongueReindex', function()
    M.reindex()
  end, { desc = 'Parseltongue: compare every folder with the disk again' })
  cmd('ParseltongueCodeLens', function(a)
    if a.args == 'on' or a.args == 'off' then
      M.set_codelens(a.args == 'on')
    elseif a.args == '' or a.args == 'run' then
      vim.lsp.codelens.run()
    else
      notify('usage: ParseltongueCodeLens [run|on|off]', vim.log.levels.WARN)
    end
  end, {
    nargs = '?',
    complete = function()
      return { 'run', 'on', 'off' }
    end,
    desc = 'Parseltongue: run the code lens on this line, or turn lenses on/off',
  })
  cmd('ParseltongueStart', function()
    M.start(0)
  end, { desc = 'Parseltongue: start and attach the server for this buffer' })
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  -- Lists replace rather than merge.
  for _, k in ipairs({ 'cmd', 'args', 'filetypes' }) do
    if opts and opts[k] then
      M.config[k] = opts[k]
    end
  end
  define_commands()
  local group = vim.api.nvim_create_augroup('parseltongue', { clear = true })
  if M.config.autostart then
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = M.config.filetypes,
      callback = function(ev)
        M.start(ev.buf)
      end,
    })
    -- Buffers already open when setup runs.
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(M.config.filetypes, vim.bo[b].filetype) then
        M.start(b)
      end
    end
  end
end

return M
