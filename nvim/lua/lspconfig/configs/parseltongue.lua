-- nvim-lspconfig (2024 and later) reads lspconfig.configs.<name>.
return require('lspconfig.server_configurations.parseltongue')
