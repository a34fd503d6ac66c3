-- Neovim 0.11+: vim.lsp.config('parseltongue', {...}) merges into this, and
-- vim.lsp.enable('parseltongue') starts it for Rust buffers.
-- SPDX-License-Identifier: MIT (see LICENSE at the top of the repository)
local pt = require('parseltongue')

return {
  cmd = { 'parseltongue', '--stdio' },
  cmd_env = { PARSELTONGUE_LSP_STDERR_LEVEL = 'warning' },
  filetypes = { 'rust' },
  root_dir = function(bufnr, on_dir)
    local root = pt.cargo_root(vim.api.nvim_buf_get_name(bufnr))
    if root then
      on_dir(root)
    end
  end,
  init_options = { codeLens = true },
  capabilities = pt.capabilities(),
  handlers = pt.handlers,
  on_attach = pt.on_attach,
}
