-- End-to-end test of editors/neovim in headless Neovim (run by scripts/test-neovim after
-- test/init.lua): file type detection, the server started by `vim.lsp.enable('drydock')` from
-- lsp/drydock.lua with the user's settings merged in, diagnostics for a Dockerfile and for a
-- compose override file alone, the project root from `.drydock.yaml`, and :DrydockFixAll.
-- Prints `ok: ...` / `FAILED: ...` lines and `N passed, N failed`; exits 1 on a failure.

local project = assert(os.getenv('DRYDOCK_NVIM_PROJECT'), 'DRYDOCK_NVIM_PROJECT')
local passed, failed = 0, 0

local function out(line)
  io.stdout:write(line .. '\n')
end

local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    out('ok: ' .. name)
  else
    failed = failed + 1
    out('FAILED: ' .. name .. (detail and (': ' .. detail) or ''))
  end
  return ok
end

local function codes(bufnr)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == 'drydock' then
      table.insert(list, tostring(d.code))
    end
  end
  table.sort(list)
  return list
end

local function has(list, code)
  return vim.tbl_contains(list, code)
end

local function open(name)
  vim.cmd.edit(vim.fn.fnameescape(project .. '/' .. name))
  return vim.api.nvim_get_current_buf()
end

local function client_of(bufnr)
  local attached = vim.wait(15000, function()
    return #vim.lsp.get_clients({ bufnr = bufnr, name = 'drydock' }) > 0
  end, 50)
  return attached and vim.lsp.get_clients({ bufnr = bufnr, name = 'drydock' })[1] or nil
end

local function run()
  -- File types of the names drydock lints.
  local expected = {
    ['compose.yaml'] = 'yaml.docker-compose',
    ['docker-compose.prod.yml'] = 'yaml.docker-compose',
    ['Compose-Dev.YAML'] = 'yaml.docker-compose',
    ['stack.yml'] = 'yaml',
    ['Dockerfile-dev'] = 'dockerfile',
    ['api.Dockerfile'] = 'dockerfile',
    ['containerfile'] = 'dockerfile',
    ['Dockerfile.dockerignore'] = 'gitignore',
  }
  for name, ft in pairs(expected) do
    local got = vim.filetype.match({ filename = project .. '/' .. name })
    check('filetype of ' .. name, got == ft, 'got ' .. tostring(got) .. ', expected ' .. ft)
  end

  -- A Dockerfile: the server starts, rooted at the folder of .drydock.yaml, and reports findings
  -- with the configuration file's rules and the user's settings applied.
  local buf = open('app/Dockerfile')
  check('Dockerfile: filetype', vim.bo[buf].filetype == 'dockerfile', vim.bo[buf].filetype)
  local client = client_of(buf)
  if not check('Dockerfile: drydock attached', client ~= nil) then
    return
  end
  check(
    'the root is the folder of .drydock.yaml',
    client.root_dir == project,
    tostring(client.root_dir) .. ' ~= ' .. project
  )
  vim.wait(15000, function()
    local now = codes(buf)
    return has(now, 'DL3004') and has(now, 'DL3057') and not has(now, 'DS114')
  end, 50)
  local found = codes(buf)
  local listed = table.concat(found, ',')
  check('Dockerfile: DL3004 reported', has(found, 'DL3004'), listed)
  check('Dockerfile: DL3057 from .drydock.yaml extend-select', has(found, 'DL3057'), listed)
  check('Dockerfile: DS114 ignored by the user setting', not has(found, 'DS114'), listed)
  local sudo = vim.tbl_filter(function(d)
    return d.code == 'DL3004'
  end, vim.diagnostic.get(buf))[1]
  check(
    'Dockerfile: DL3004 points at `sudo` (line 2, columns 4-8)',
    sudo and sudo.lnum == 1 and sudo.col == 4 and sudo.end_col == 8,
    sudo and vim.inspect({ sudo.lnum, sudo.col, sudo.end_col }) or 'none'
  )

  -- A compose override file on its own: linted with its base, its own findings only.
  local override = open('compose.override.yaml')
  check(
    'compose override: filetype',
    vim.bo[override].filetype == 'yaml.docker-compose',
    vim.bo[override].filetype
  )
  check('compose override: the same client', client_of(override) == client)
  vim.wait(15000, function()
    return has(codes(override), 'CMP001')
  end, 50)
  local compose = codes(override)
  check('compose override: CMP001 (privileged) reported', has(compose, 'CMP001'), table.concat(compose, ','))
  check(
    "compose override: the base file's CMP042 (mutable tag) not reported here",
    not has(compose, 'CMP042'),
    table.concat(compose, ',')
  )

  -- :DrydockFixAll applies the server's source.fixAll.drydock action.
  local fixable = open('fix/Dockerfile')
  check('fix: drydock attached', client_of(fixable) ~= nil)
  vim.wait(15000, function()
    return has(codes(fixable), 'BK001')
  end, 50)
  vim.cmd('DrydockFixAll')
  local fixed = vim.wait(15000, function()
    return vim.api.nvim_buf_get_lines(fixable, 0, 1, false)[1] == 'FROM debian:12 AS build'
  end, 50)
  check(
    ':DrydockFixAll applies the fixes',
    fixed,
    table.concat(vim.api.nvim_buf_get_lines(fixable, 0, -1, false), ' | ')
  )
end

local ok, err = pcall(run)
check('the driver ran to the end', ok, tostring(err))
out(string.format('%d passed, %d failed', passed, failed))
vim.cmd(failed == 0 and 'qall!' or 'cquit! 1')
