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
  cmd_env = nil,
  filetypes = { 'rust' },
  -- function(fname) -> root directory; default: the nearest Cargo.toml's
  -- directory (an enclosing [workspace] Cargo.toml wins), else the cwd.
  root_dir = nil,
  autostart = true,
  on_attach = nil,
  capabilities = nil,
  handlers = nil,
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

--- The root of fname: the nearest Cargo.toml's directory, or an enclosing
--- Cargo.toml with a [workspace] table, else the current directory.
function M.find_root(fname)
  local dir = dirname(vim.fn.fnamemodify(fname, ':p'))
  local found = vim.fn.findfile('Cargo.toml', dir .. ';')
  if found == '' then
    return vim.fn.getcwd()
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

local function client_config(root)
  local c = M.config
  return {
    name = c.name,
    cmd = server_cmd(root),
    cmd_env = c.cmd_env,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = c.capabilities or vim.lsp.protocol.make_client_capabilities(),
    on_attach = c.on_attach,
    handlers = c.handlers,
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

local function define_commands()
  local cmd = vim.api.nvim_create_user_command
  cmd('ParseltongueBlastRadius', function(a)
    M.blast_radius({ depth = tonumber(a.args) })
  end, { nargs = '?', desc = 'Parseltongue: what depends on the symbol under the cursor (quickfix)' })
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
