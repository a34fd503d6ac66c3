-- :checkhealth parseltongue
-- SPDX-License-Identifier: MIT (see LICENSE at the top of the repository)
--
-- Checks what a session needs: Neovim's version, the server binary (found,
-- runs, its version), setup() called, filetype detection, and for each
-- running client its index state (one parseltongue/stats, 2 s at most).
local M = {}

-- vim.health.start/ok/… from 0.10, vim.health.report_* in 0.8–0.9, the
-- health module in 0.7.
local function reporter()
  local h = vim.health or require('health')
  local function pick(new, old)
    return h[new] or h[old] or require('health')[old]
  end
  return {
    start = pick('start', 'report_start'),
    ok = pick('ok', 'report_ok'),
    warn = pick('warn', 'report_warn'),
    error = pick('error', 'report_error'),
    info = pick('info', 'report_info'),
  }
end

local function check_binary(r, pt)
  local cmd = type(pt.config.cmd) == 'string' and pt.config.cmd or pt.config.cmd[1]
  local exe = vim.fn.exepath(cmd)
  if exe == '' then
    r.error(string.format('server %q not found (on PATH or as a file)', cmd), {
      'Build it (`make` in the repository) and put it on PATH (`make install PREFIX=~/.local`),',
      "or give its path: require('parseltongue').setup{ cmd = { '/path/to/parseltongue', '--stdio' } }",
    })
    return
  end
  local out = vim.fn.system({ exe, '--version' })
  if vim.v.shell_error ~= 0 then
    r.error(string.format('%s --version failed: %s', exe, vim.trim(out)))
    return
  end
  r.ok(string.format('server: %s (%s)', exe, vim.trim(out)))
end

local function check_clients(r, pt)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local n = 0
  for _, client in ipairs(get()) do
    if client.name == pt.config.name then
      n = n + 1
      local ok, res = pcall(function()
        if vim.fn.has('nvim-0.11') == 1 then
          return client:request_sync('parseltongue/stats', {}, 2000, 0)
        end
        return client.request_sync('parseltongue/stats', {}, 2000, 0)
      end)
      local st = ok and res and res.result
      if type(st) ~= 'table' then
        r.warn(string.format('client %d: no answer to parseltongue/stats within 2 s', client.id))
      else
        for _, root in ipairs(st.roots or {}) do
          local line = string.format('client %d: %s: %s, %d files, %d entities, database %s', client.id,
            vim.uri_to_fname(root.root), root.state, root.files or 0, root.entities or 0, root.database or '?')
          if root.state == 'failed' then
            r.error(line .. ((root.error and root.error ~= vim.NIL) and (': ' .. root.error) or ''))
          else
            r.ok(line)
          end
        end
      end
    end
  end
  if n == 0 then
    r.info('no parseltongue client is running (open a Rust file of a Cargo project)')
  end
end

function M.check()
  local r = reporter()
  r.start('parseltongue')
  local v = vim.version()
  if vim.fn.has('nvim-0.7') == 1 then
    r.ok(string.format('Neovim %d.%d.%d', v.major, v.minor, v.patch))
  else
    r.error('Neovim 0.7 or newer is needed')
  end
  local ok, pt = pcall(require, 'parseltongue')
  if not ok then
    r.error('the plugin does not load: ' .. tostring(pt))
    return
  end
  if vim.fn.exists(':ParseltongueStatus') == 2 then
    r.ok('setup() has run')
  else
    r.warn("setup() has not run", { "require('parseltongue').setup{} in your init.lua" })
  end
  if vim.fn.exists('did_load_filetypes') == 1 or vim.g.did_load_filetypes or vim.fn.exists('#filetypedetect') == 1 then
    r.ok('filetype detection is on')
  else
    r.warn('filetype detection is off: Rust buffers will not start the server', { ':filetype on' })
  end
  check_binary(r, pt)
  check_clients(r, pt)
end

return M
