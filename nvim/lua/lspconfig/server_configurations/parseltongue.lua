-- The parseltongue server for nvim-lspconfig (its conventions: a module
-- lspconfig.server_configurations.<name> returning default_config and
-- docs), so that require('lspconfig').parseltongue.setup{} works with this
-- directory on the runtimepath. Self-contained: nothing of lspconfig is
-- required here. Newer lspconfig reads lspconfig.configs.<name> (that file
-- returns this one); Neovim 0.11's vim.lsp.config reads lsp/parseltongue.lua.
-- SPDX-License-Identifier: MIT (see LICENSE at the top of the repository)
local pt = require('parseltongue')

return {
  default_config = {
    cmd = { 'parseltongue', '--stdio' },
    cmd_env = { PARSELTONGUE_LSP_STDERR_LEVEL = 'warning' },
    filetypes = { 'rust' },
    root_dir = function(fname)
      return pt.cargo_root(fname)
    end,
    single_file_support = false,
    init_options = { codeLens = true },
    capabilities = pt.capabilities(),
    handlers = pt.handlers,
    on_attach = pt.on_attach,
  },
  docs = {
    description = [[
Parseltongue, a code-graph language server for Rust (a persistent Interface
Signature Graph in LMDB): definition, references, implementations, call and
type hierarchy, code lenses, module-cycle diagnostics, and custom requests
(blast radius, cycles, LLM context) also reachable as workspace/executeCommand
commands. Build it from the repository (`make`, `make install`). With the
plugin's directory on the runtimepath, `require('parseltongue')` adds the
commands (:ParseltongueBlastRadius, ...) and the statusline component.
]],
    default_config = {
      root_dir = [[the nearest directory with a Cargo.toml (an enclosing one with [workspace] wins)]],
    },
  },
}
