-- drydock for Neovim: file type detection for the files drydock lints, and :DrydockFixAll.
-- Loaded from 'runtimepath' (editors/neovim); the server itself is lsp/drydock.lua, started by
-- `vim.lsp.enable('drydock')`.

if vim.g.loaded_drydock then
  return
end
vim.g.loaded_drydock = true

-- The names `drydock check` discovers, case-insensitively (crates/drydock/src/discover.rs):
-- Dockerfiles `Dockerfile`, `Dockerfile.*`, `Dockerfile-*`, `*.Dockerfile`, `Containerfile`,
-- `Containerfile.*` (never `*.dockerignore`); compose files `compose*.y(a)ml` and
-- `docker-compose*.y(a)ml`. Neovim calls compose files `yaml`; they become
-- `yaml.docker-compose` (YAML syntax and YAML servers still apply).
local function kind(path)
  local name = vim.fs.basename(path):lower()
  if vim.endswith(name, '.dockerignore') then
    -- `Dockerfile.dockerignore` (BuildKit's per-Dockerfile ignore file) is not a Dockerfile.
    return 'gitignore'
  end
  if
    name == 'dockerfile'
    or vim.startswith(name, 'dockerfile.')
    or vim.startswith(name, 'dockerfile-')
    or vim.endswith(name, '.dockerfile')
    or name == 'containerfile'
    or vim.startswith(name, 'containerfile.')
  then
    return 'dockerfile'
  end
  local yaml = vim.endswith(name, '.yaml') or vim.endswith(name, '.yml')
  if yaml and (vim.startswith(name, 'compose') or vim.startswith(name, 'docker-compose')) then
    return 'yaml.docker-compose'
  end
  return nil
end

-- Patterns (case-insensitive character classes) that let `kind` decide; a higher priority than
-- Neovim's own rules, so that `compose.yaml` is not plain `yaml`.
local function ci(word)
  return (word:gsub('%a', function(c)
    return '[' .. c:upper() .. c:lower() .. ']'
  end))
end
local function detect(path)
  return kind(path)
end
vim.filetype.add({
  pattern = {
    ['.*' .. ci('dockerfile') .. '[^/]*'] = { detect, { priority = 10 } },
    ['.*' .. ci('containerfile') .. '[^/]*'] = { detect, { priority = 10 } },
    ['.*' .. ci('compose') .. '[^/]*%.[Yy][Aa]?[Mm][Ll]'] = { detect, { priority = 10 } },
  },
})

-- :DrydockFixAll applies every safe fix in the buffer (what `drydock check --fix` writes): the
-- server's `source.fixAll.drydock` code action.
vim.api.nvim_create_user_command('DrydockFixAll', function()
  vim.lsp.buf.code_action({
    context = { only = { 'source.fixAll.drydock' }, diagnostics = {} },
    apply = true,
  })
end, { desc = 'drydock: apply every safe fix in the buffer' })
