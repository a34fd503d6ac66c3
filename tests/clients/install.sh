#!/usr/bin/env bash
# `make install`: the binary, the Neovim plugin and the Emacs package land
# where each editor looks by default, and work from there.
#   1. DESTDIR=$TMP/root PREFIX=/usr/local: each file is under a directory that
#      Neovim's packpath and Emacs' load-path hold by default (asked of the real
#      editors), and that Debian's default PATH holds for the binary;
#   2. PREFIX=$TMP/home/.local (a user's ~/.local): with HOME there, Neovim
#      (XDG_DATA_HOME unset: ~/.local/share) loads the plugin without any
#      runtimepath setting, :checkhealth finds the installed binary, :help works;
#      Emacs loads parseltongue.el from the installed file and it starts the server.
# usage: bash tests/clients/install.sh BUILD_DIR    (last line: N passed, M failed)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
TMP=$(mktemp -d /tmp/pt-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
check() {   # check NAME CONDITION-COMMAND...
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

# ---- 1. the system prefix, staged ----------------------------------------------------------
make -C "$ROOT" --no-print-directory -s install BUILD="$BUILD" DESTDIR="$TMP/root" PREFIX=/usr/local >"$TMP/make1.log" 2>&1
check "make install DESTDIR=… PREFIX=/usr/local" [ $? = 0 ]
check "the binary in /usr/local/bin runs" sh -c "\"$TMP/root/usr/local/bin/parseltongue\" --version >/dev/null"
PACKPATH=$(HOME="$TMP/h0" nvim --headless -u NONE -i NONE -c 'echo &packpath' -c 'qall!' 2>&1 </dev/null)
check "Neovim's default packpath holds /usr/local/share/nvim/site" grep -q '/usr/local/share/nvim/site' <<<"$PACKPATH"
check "the plugin is a start package there (lua/, doc/ with tags, lsp/)" test -f \
	"$TMP/root/usr/local/share/nvim/site/pack/parseltongue/start/parseltongue/lua/parseltongue/init.lua" -a -f \
	"$TMP/root/usr/local/share/nvim/site/pack/parseltongue/start/parseltongue/doc/tags" -a -f \
	"$TMP/root/usr/local/share/nvim/site/pack/parseltongue/start/parseltongue/lsp/parseltongue.lua"
# -q, not -Q: -Q also drops the site-lisp directories from load-path
LOADPATH=$(HOME="$TMP/h0" emacs -q --batch --eval '(princ (mapconcat (function identity) load-path "\n"))' 2>&1)
check "Emacs' default load-path holds /usr/local/share/emacs/site-lisp" grep -qx '/usr/local/share/emacs/site-lisp' <<<"$LOADPATH"
check "parseltongue.el is there" test -f "$TMP/root/usr/local/share/emacs/site-lisp/parseltongue.el"
make -C "$ROOT" --no-print-directory -s uninstall DESTDIR="$TMP/root" PREFIX=/usr/local >/dev/null 2>&1
check "make uninstall removes all three" test ! -e "$TMP/root/usr/local/bin/parseltongue" -a ! -e \
	"$TMP/root/usr/local/share/emacs/site-lisp/parseltongue.el" -a ! -e "$TMP/root/usr/local/share/nvim/site/pack/parseltongue"

# ---- 2. a user's ~/.local, used for real ---------------------------------------------------
H="$TMP/home"
mkdir -p "$H"
make -C "$ROOT" --no-print-directory -s install BUILD="$BUILD" PREFIX="$H/.local" >"$TMP/make2.log" 2>&1
check "make install PREFIX=~/.local" [ $? = 0 ]
cp -r "$ROOT/tests/fixtures/lsp1" "$TMP/work"
cat >"$TMP/init.lua" <<'LUA'
require('parseltongue').setup{ open_quickfix = false }
LUA
cat >"$TMP/check.lua" <<'LUA'
local out = {}
local pt = require('parseltongue')
vim.cmd('edit ' .. os.getenv('PT_WORK') .. '/src/lib.rs')
local ready = vim.wait(20000, function()
  local c = pt.client(0)
  if not (c and c.initialized) then return false end
  local r = c.request_sync('parseltongue/stats', {}, 2000, 0)
  return r and r.result and r.result.roots[1] and r.result.roots[1].state == 'ready'
end, 100)
table.insert(out, 'ready=' .. tostring(ready))
vim.cmd('checkhealth parseltongue')
table.insert(out, table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n'))
vim.cmd('bwipeout!')
table.insert(out, 'help=' .. tostring(pcall(vim.cmd, 'help parseltongue-statusline')))
local f = io.open(os.getenv('PT_OUT'), 'w')
f:write(table.concat(out, '\n'))
f:close()
vim.cmd('qall!')
LUA
# PATH as a login shell's with ~/.local/bin (Debian's ~/.profile adds it when it exists)
env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u XDG_CACHE_HOME -u XDG_DATA_DIRS \
	HOME="$H" PATH="$H/.local/bin:/usr/bin:/bin" \
	PT_WORK="$TMP/work" PT_OUT="$TMP/nvim.out" timeout 60 nvim --headless -i NONE -u "$TMP/init.lua" \
	-c "luafile $TMP/check.lua" </dev/null >"$TMP/nvim.log" 2>&1
check "Neovim loads the installed plugin from ~/.local/share/nvim/site and the server indexes" \
	grep -q '^ready=true' "$TMP/nvim.out"
check ":checkhealth parseltongue finds ~/.local/bin/parseltongue" grep -q "OK:\? server: $H/.local/bin/parseltongue" "$TMP/nvim.out"
check ":help parseltongue-statusline (tags made at install)" grep -q '^help=true' "$TMP/nvim.out"
HOME="$H" PATH="$H/.local/bin:/usr/bin:/bin" timeout 60 emacs -Q --batch \
	--eval "(progn (require 'package) (add-to-list 'package-directory-list \"/usr/share/emacs/site-lisp/elpa\") (package-initialize))" \
	-L "$H/.local/share/emacs/site-lisp" -l parseltongue \
	--eval "(princ (format \"loaded-from=%s program=%s\n\" (locate-library \"parseltongue\") (executable-find parseltongue-program)))" \
	-f parseltongue-batch-find-cycles "$TMP/work" </dev/null >"$TMP/emacs.out" 2>"$TMP/emacs.log"
erc=$?
check "Emacs loads the installed parseltongue.el and it starts ~/.local/bin/parseltongue (exit 1: lsp1 has a cycle)" \
	bash -c "[ $erc = 1 ] && grep -q 'loaded-from=$H/.local/share/emacs/site-lisp/parseltongue.el program=$H/.local/bin/parseltongue' '$TMP/emacs.out' && grep -q ': cycle 1 (module)' '$TMP/emacs.out'"
if [ "$failed" != 0 ]; then
	for f in make1.log make2.log nvim.out nvim.log emacs.out emacs.log; do
		[ -s "$TMP/$f" ] && { echo "--- $f"; tail -c 1500 "$TMP/$f"; }
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
