-- drydock's language server for Neovim 0.11+ (`vim.lsp.config`): put editors/neovim on
-- 'runtimepath' (or copy this file to ~/.config/nvim/lsp/), then `vim.lsp.enable('drydock')`.
-- Settings go under `settings.drydock` (what the server asks for with
-- `workspace/configuration`):
--
--   vim.lsp.config('drydock', {
--     settings = { drydock = { ignore = { 'DL3008' }, failureThreshold = 'warning' } },
--   })
--
-- The keys: select, extendSelect, ignore, failureThreshold, configPath, envFromProcess,
-- documentationUrl (see editors/neovim/README.md).

---@type vim.lsp.Config
return {
  cmd = { 'drydock', 'server' },
  -- `yaml.docker-compose` is what plugin/drydock.lua gives compose files (Neovim calls them
  -- `yaml`); the server is sent the filetype as the language id and knows both.
  filetypes = { 'dockerfile', 'yaml.docker-compose' },
  root_markers = { '.drydock.yaml', '.drydock.yml', '.hadolint.yaml', '.hadolint.yml', '.git' },
  settings = {
    drydock = {},
  },
  -- The same settings as initialization options, so that the first findings already follow
  -- them (the server asks for `settings.drydock` again whenever they change).
  before_init = function(params, config)
    params.initializationOptions = vim.tbl_get(config, 'settings', 'drydock') or vim.empty_dict()
  end,
}
