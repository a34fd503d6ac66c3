# Parseltongue — one binary (CLI and LSP server) plus its tests.
#
#   make            build build/parseltongue
#   make run        install deps, build, index the Rust standard library, sample queries
#   make test       install deps, build, run every test
#   make check      the fast loop: unit tests (in parallel) and the black-box tests
#   make SAN=1 test the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make SAN=thread tsan-test   the concurrency tests under ThreadSanitizer
#   make DEBUG=1    an -O0 build with pt_assert checked (build/debug)
#   make analyze    the clang static analyzer (scan-build): fails on any finding
#   make format     clang-format every C file; make format-check fails if one is not
#   make bench      benchmarks on real corpora (not part of make test)
#   make vsix       the VS Code platform package with the server inside (build/parseltongue-linux-x64.vsix)
#   make install PREFIX=/usr/local   the binary, the Neovim runtime files and the Emacs package
# HACKING.md says more.

CC       ?= cc
SAN      ?=
ifeq ($(SAN),thread)
BUILD    ?= build/tsan
SANFLAGS  = -fsanitize=thread -fno-omit-frame-pointer
OPT       = -O1 -g -DPT_DEBUG
else ifeq ($(SAN),1)
BUILD    ?= build/san
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT       = -O1 -g -DPT_DEBUG
else ifeq ($(DEBUG),1)
BUILD    ?= build/debug
SANFLAGS  =
OPT       = -O0 -g -DPT_DEBUG
else
BUILD    ?= build
SANFLAGS  =
OPT       = -O2 -g
endif

GRAMMAR_VERSION = 0.23.2
GRAMMAR_DIR     = build/grammar/tree-sitter-rust-$(GRAMMAR_VERSION)
GRAMMAR_SRC     = $(GRAMMAR_DIR)/src
# SCIP's schema, from the npm package generated from Sourcegraph's
# published scip.proto (tools/scip_descriptor.py says how).
SCIP_PKG_VERSION = 0.1.0
SCIP_DIR         = build/scip
SCIP_DESC        = $(SCIP_DIR)/scip.desc

# WERROR=1 (CI): a new warning fails the build.
WERROR  ?=
CFLAGS  += $(OPT) -std=gnu11 -Wall -Wextra $(if $(WERROR),-Werror) -pthread $(SANFLAGS) -MMD -MP
LDFLAGS += -pthread $(SANFLAGS)
# No libbsd: glibc 2.36 has reallocarray, and bounded copies use snprintf
# with a truncation check, so libbsd would add a dependency for nothing.
LDLIBS  += -ltree-sitter -ljansson -llmdb -lxxhash -lzstd -lm
# protobuf-c: the SCIP export's encoding (only the binary links it).
CLI_LIBS = -lprotobuf-c

LIB_SRC  = $(wildcard core/*.c graph/*.c store/*.c lsp/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/grammar/parser.o $(BUILD)/obj/grammar/scanner.o
CLI_OBJ  = $(BUILD)/obj/cli/main.o $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out cli/main.c,$(wildcard cli/*.c))) \
           $(BUILD)/obj/gen/scip.pb-c.o $(BUILD)/obj/gen/viewer_page.o
TEST_SRC = $(wildcard tests/test_*.c)
STD_SRC ?= /usr/lib/rustlib/src/rust/library
# The names of the standard library's methods, generated from rust-src by a
# tool built from the library itself (graph/stdnames.h says why).
GEN_TOOL = $(BUILD)/tools/gen_std_names
GEN_OBJ  = $(BUILD)/obj/gen/std_names.o
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# T=graph runs tests/test_graph.c alone; TEST='*blast*' runs the matching
# cases of the binaries run (cmocka's test filter, see tests/test_main.h).
T       ?=
UNIT_BIN = $(if $(T),$(filter %/test_$(T),$(TEST_BIN)),$(TEST_BIN))

.SECONDARY:
.PHONY: all deps grammar run test check unit-test blackbox-test differential-test viewer-test docs-images client-test emacs-starts vsix install uninstall bench bench-accuracy fuzz reliability reliability-quick tsan-test analyze format format-check clean
all: $(BUILD)/parseltongue

# --- dependencies -----------------------------------------------------------
DEB_PKGS = libtree-sitter-dev libjansson-dev liblmdb-dev libcmocka-dev \
           libxxhash-dev libzstd-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler \
           python3-networkx rust-src neovim emacs-nox elpa-eglot librust-regex-syntax-dev \
           graphviz chromium fonts-dejavu-core
# Tools that may come from elsewhere (a nodejs that ships its own npm
# conflicts with Debian's npm package): installed only when the command is missing.
DEB_TOOLS = npm python3
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	for t in $(DEB_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# The Rust grammar is fetched from npm (pinned: parser ABI 14 for Debian's
# libtree-sitter 0.20.7) and compiled from its src/; never committed.
grammar: $(GRAMMAR_SRC)/parser.c
$(GRAMMAR_SRC)/parser.c:
	@mkdir -p build/grammar
	cd build/grammar && npm pack --silent tree-sitter-rust@$(GRAMMAR_VERSION) >/dev/null
	rm -rf $(GRAMMAR_DIR) && mkdir -p $(GRAMMAR_DIR)
	tar -xzf build/grammar/tree-sitter-rust-$(GRAMMAR_VERSION).tgz -C $(GRAMMAR_DIR) --strip-components=1
	@test -f $@ && touch $@

$(GRAMMAR_SRC)/scanner.c: $(GRAMMAR_SRC)/parser.c

# The grammar is generated code: compiled with GRAMMAR_CC, which `make
# analyze` sets to the plain compiler so the analyzer reads only our code.
GRAMMAR_CC ?= $(CC)
$(BUILD)/obj/grammar/%.o: $(GRAMMAR_SRC)/%.c
	@mkdir -p $(dir $@)
	$(GRAMMAR_CC) -O2 -g -std=gnu11 -w $(SANFLAGS) -I$(GRAMMAR_SRC) -c $< -o $@

# SCIP's schema: the package is fetched with npm pack (pinned), its
# embedded descriptor written as a FileDescriptorSet, and protoc-c
# generates the C messages from it into $(BUILD)/gen; never committed.
$(SCIP_DESC): tools/scip_descriptor.py
	@mkdir -p $(SCIP_DIR)
	cd $(SCIP_DIR) && npm pack --silent @c4312/scip@$(SCIP_PKG_VERSION) >/dev/null
	rm -rf $(SCIP_DIR)/package
	tar -xzf $(SCIP_DIR)/c4312-scip-$(SCIP_PKG_VERSION).tgz -C $(SCIP_DIR)
	python3 tools/scip_descriptor.py $(SCIP_DIR)/package/scip_pb.js $@

$(BUILD)/gen/scip.pb-c.c: $(SCIP_DESC)
	@mkdir -p $(dir $@)
	protoc-c --descriptor_set_in=$(SCIP_DESC) --c_out=$(BUILD)/gen scip.proto

$(BUILD)/gen/scip.pb-c.h: $(BUILD)/gen/scip.pb-c.c

# Generated code, compiled like the grammar (GRAMMAR_CC, no warnings).
$(BUILD)/obj/gen/scip.pb-c.o: $(BUILD)/gen/scip.pb-c.c
	@mkdir -p $(dir $@)
	$(GRAMMAR_CC) -O2 -g -std=gnu11 -w $(SANFLAGS) -I$(BUILD)/gen -c $< -o $@

$(BUILD)/obj/cli/export_scip.o: $(BUILD)/gen/scip.pb-c.h
$(BUILD)/obj/cli/export_scip.o: CFLAGS += -I$(BUILD)/gen

# The graph viewer of `export --format html` (viewer/): its npm packages are
# installed at build time into build/viewer (pinned by viewer/package-lock.json,
# never committed), esbuild bundles it, and tools/embed_viewer.py makes the
# page (script and style inline, hashed into its Content-Security-Policy)
# into C arrays the binary carries.
VIEWER_DIR = build/viewer
VIEWER_NPM = $(VIEWER_DIR)/node_modules/.package-lock.json
VIEWER_JS  = $(VIEWER_DIR)/viewer.js
$(VIEWER_NPM): viewer/package.json viewer/package-lock.json
	@mkdir -p $(VIEWER_DIR)
	cp viewer/package.json viewer/package-lock.json $(VIEWER_DIR)/
	cd $(VIEWER_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(VIEWER_JS): $(VIEWER_NPM) $(wildcard viewer/src/*.js)
	NODE_PATH=$(CURDIR)/$(VIEWER_DIR)/node_modules $(VIEWER_DIR)/node_modules/.bin/esbuild \
	  viewer/src/main.js --bundle --minify --format=iife --target=es2020 --legal-comments=none \
	  --metafile=$(VIEWER_DIR)/meta.json --log-level=warning --outfile=$@

$(BUILD)/gen/viewer_page.c: tools/embed_viewer.py viewer/page.html viewer/style.css $(VIEWER_JS)
	@mkdir -p $(dir $@)
	python3 tools/embed_viewer.py viewer/page.html viewer/style.css $(VIEWER_JS) $(VIEWER_DIR)/meta.json $@

$(BUILD)/obj/gen/viewer_page.o: $(BUILD)/gen/viewer_page.c
	@mkdir -p $(dir $@)
	$(GRAMMAR_CC) -O2 -g -std=gnu11 -w $(SANFLAGS) -c $< -o $@

# --- build ------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(GEN_TOOL): $(BUILD)/obj/tools/gen_std_names.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/gen/std_names.c: $(GEN_TOOL)
	@mkdir -p $(dir $@)
	$(GEN_TOOL) $@ $(STD_SRC)/core/src $(STD_SRC)/alloc/src $(STD_SRC)/std/src

$(GEN_OBJ): $(BUILD)/gen/std_names.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. -c $< -o $@

$(BUILD)/parseltongue: $(CLI_OBJ) $(LIB_OBJ) $(GEN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CLI_LIBS)

# The server the VS Code platform package ships: the libraries of LDLIBS and
# CLI_LIBS but libm linked in statically (glibc stays shared), so that it
# runs without Debian's packages.
$(BUILD)/parseltongue-portable: $(CLI_OBJ) $(LIB_OBJ) $(GEN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ -Wl,-Bstatic $(filter-out -lm,$(LDLIBS) $(CLI_LIBS)) -Wl,-Bdynamic -lm

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB_OBJ) $(GEN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# --- run and test -----------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory all
	@bash tests/run_demo.sh $(BUILD)/parseltongue $(STD_SRC) build/std-db

unit-test: $(UNIT_BIN)
	@bash tests/run_unit.sh $(UNIT_BIN)

# The fast loop (HACKING.md): build, unit tests, CLI, incremental, LSP and export
# black-box tests, and the HTML view in a browser.
check: all
	@$(MAKE) --no-print-directory unit-test blackbox-test viewer-test

blackbox-test: $(BUILD)/parseltongue $(SCIP_DESC)
	@python3 tests/blackbox.py $(BUILD)/parseltongue
	@python3 tests/incremental.py $(BUILD)/parseltongue
	@python3 tests/incremental.py $(BUILD)/parseltongue --tree tests/fixtures/macros --steps 30
	@python3 tests/lsp_blackbox.py $(BUILD)/parseltongue
	@python3 tests/lsp_differential.py $(BUILD)/parseltongue
	@python3 tests/exports.py $(BUILD)/parseltongue $(SCIP_DESC)
	@python3 tests/diff.py $(BUILD)/parseltongue
	@python3 tests/security.py $(BUILD)/parseltongue

# The HTML view opened in headless Chromium, checked in the DOM, clicked and
# photographed (screenshots in build/test-out/viewer; about 10 s).
viewer-test: $(BUILD)/parseltongue $(VIEWER_NPM)
	@node tests/viewer.mjs $(BUILD)/parseltongue --out build/test-out/viewer

# The picture README.md shows: the blast radius of Hir::concat in
# regex-syntax (librust-regex-syntax-dev), drawn by export --format html.
DOCS_CRATE ?= $(firstword $(wildcard /usr/share/cargo/registry/regex-syntax-0.6*))
docs-images: $(BUILD)/parseltongue $(VIEWER_NPM)
	@test -n "$(DOCS_CRATE)" || { echo "docs-images: needs librust-regex-syntax-dev"; exit 1; }
	@rm -rf build/docs && mkdir -p build/docs docs/images
	$(BUILD)/parseltongue onboard $(DOCS_CRATE) --db build/docs/db --quiet
	$(BUILD)/parseltongue export --db build/docs/db --query blast-radius hir::Hir::concat \
	  -o build/docs/blast-radius-regex-syntax.html
	node tools/screenshot.mjs build/docs/blast-radius-regex-syntax.html docs/images/blast-radius-regex-syntax.png 1280x760

# The editor, CI and AI-agent (MCP) clients, each driven by the real client software.
client-test: $(BUILD)/parseltongue
	@bash tests/clients/lint.sh $(BUILD)/parseltongue
	@bash tests/clients/nvim.sh $(BUILD)/parseltongue
	@bash tests/clients/emacs.sh $(BUILD)/parseltongue
	@python3 tests/clients/emacs_starts.py $(BUILD)/parseltongue --batch 10 --tty 5
	@bash tests/clients/vscode.sh $(BUILD)/parseltongue
	@bash tests/clients/mcp.sh $(BUILD)/parseltongue
	@bash tests/clients/install.sh $(BUILD)

# --- install ------------------------------------------------------------------
# make install PREFIX=/usr/local (or ~/.local; DESTDIR for staging): the
# binary in PREFIX/bin; the Neovim plugin as a start package in
# PREFIX/share/nvim/site (Neovim's packpath: ~/.local/share from
# $XDG_DATA_HOME, /usr/local/share and /usr/share from $XDG_DATA_DIRS), with
# its help tags; parseltongue.el in PREFIX/share/emacs/site-lisp (on Emacs'
# load-path for /usr/local and /usr). tests/clients/install.sh checks it.
PREFIX   ?= /usr/local
DESTDIR  ?=
NVIM_PKG  = $(DESTDIR)$(PREFIX)/share/nvim/site/pack/parseltongue/start/parseltongue
EMACS_DIR = $(DESTDIR)$(PREFIX)/share/emacs/site-lisp
install: $(BUILD)/parseltongue
	install -d $(DESTDIR)$(PREFIX)/bin $(NVIM_PKG) $(EMACS_DIR)
	install -m 755 $(BUILD)/parseltongue $(DESTDIR)$(PREFIX)/bin/parseltongue
	rm -rf $(NVIM_PKG)/lua $(NVIM_PKG)/lsp $(NVIM_PKG)/doc
	cp -R nvim/lua nvim/lsp nvim/doc $(NVIM_PKG)/
	install -m 644 LICENSE $(NVIM_PKG)/LICENSE
	if command -v nvim >/dev/null 2>&1; then \
	  nvim --headless -u NONE -i NONE -c 'helptags $(NVIM_PKG)/doc' -c 'qall!' </dev/null >/dev/null 2>&1 || true; fi
	install -m 644 emacs/parseltongue.el $(EMACS_DIR)/parseltongue.el

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/parseltongue $(EMACS_DIR)/parseltongue.el
	rm -rf $(DESTDIR)$(PREFIX)/share/nvim/site/pack/parseltongue

# The VS Code platform package (the server inside): build/parseltongue-linux-x64.vsix.
VSIX_TARGET ?= $(if $(filter aarch64,$(shell uname -m)),linux-arm64,linux-x64)
vsix: $(BUILD)/parseltongue-portable
	@bash vscode-client/package-platform.sh $(BUILD)/parseltongue-portable $(VSIX_TARGET) build/parseltongue-$(VSIX_TARGET).vsix

# Consecutive Emacs session starts on a real crate, batch and in a terminal
# (tests/clients/emacs_starts.py): none may be dead. make test runs 10 + 5
# (about 15 s); this runs EMACS_STARTS of each (50 + 50: 2.5 to 4.5 minutes on two shared cores).
EMACS_STARTS ?= 50
emacs-starts: $(BUILD)/parseltongue
	@python3 tests/clients/emacs_starts.py $(BUILD)/parseltongue --batch $(EMACS_STARTS) --tty $(EMACS_STARTS)

# Resolution measured against rustc on real crates (not part of make test).
bench-accuracy: $(BUILD)/parseltongue
	@bash bench/accuracy/run.sh $(BUILD)/parseltongue

test: deps
	@$(MAKE) --no-print-directory all unit-test blackbox-test differential-test viewer-test client-test reliability-quick

# The server driven by random editor sessions on a real crate (regex-syntax
# from the Debian registry), its graph compared with a fresh index after
# every step (tests/lsp_differential.py; make check runs it on tests/fixtures/ws1).
DIFF_CRATE ?= $(firstword $(wildcard /usr/share/cargo/registry/regex-syntax-0.6*))
differential-test: $(BUILD)/parseltongue
	@test -n "$(DIFF_CRATE)" || { echo "differential-test: needs librust-regex-syntax-dev"; exit 1; }
	@python3 tests/lsp_differential.py $(BUILD)/parseltongue --steps 20 --tree $(DIFF_CRATE)

# The tests where threads meet (the store's MVCC, the server's reader,
# dispatcher, indexer and watcher threads), under ThreadSanitizer.
tsan-test: $(BUILD)/parseltongue $(BUILD)/tests/test_store $(BUILD)/tests/test_lsp_jsonrpc
	@cd tests && ../$(BUILD)/tests/test_store && ../$(BUILD)/tests/test_lsp_jsonrpc
	@python3 tests/lsp_blackbox.py $(BUILD)/parseltongue

# --- reliability: fuzz/README.md, tests/reliability/README.md -----------------
FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory all
	@FUZZ_SECONDS=$(FUZZ_SECONDS) SAN=$(SAN) BUILD=$(BUILD) bash fuzz/run.sh

# Fuzzing, hostile inputs, kill trials, disk full, soak (about 9 minutes).
reliability: deps
	@$(MAKE) --no-print-directory all
	@FUZZ_SECONDS=$(FUZZ_SECONDS) SAN=$(SAN) BUILD=$(BUILD) bash tests/reliability/run.sh $(BUILD)/parseltongue

# The quick part, in make test: regressions replayed, hostile inputs, 9 kill
# trials, a 10 s soak.
reliability-quick: $(BUILD)/parseltongue
	@SAN=$(SAN) BUILD=$(BUILD) bash tests/reliability/run.sh $(BUILD)/parseltongue --quick

bench: deps
	@$(MAKE) --no-print-directory all
	@bash bench/run.sh $(BUILD)/parseltongue

# The clang static analyzer over our code (not the grammar), in its own
# build folder; any finding fails (CI keeps the count at zero).
analyze: grammar
	@rm -rf build/scan/obj build/scan/parseltongue
	scan-build -o build/scan/report --status-bugs $(MAKE) --no-print-directory \
	  BUILD=build/scan GRAMMAR_CC=cc build/scan/parseltongue

FORMAT_SRC = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format-check: every C file is formatted"

clean:
	rm -rf build/obj build/tests build/san build/tsan build/debug build/gen build/tools build/parseltongue \
	  build/parseltongue-portable build/parseltongue-*.vsix

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
