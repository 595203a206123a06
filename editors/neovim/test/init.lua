-- The init.lua of scripts/test-neovim: what editors/neovim/README.md tells users to write, with a
-- setting of the user's own laid over lsp/drydock.lua.
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
vim.opt.runtimepath:prepend(vim.fs.dirname(here)) -- editors/neovim

vim.lsp.config('drydock', {
  settings = { drydock = { ignore = { 'DS114' } } },
})
vim.lsp.enable('drydock')
