/* lsp/lsp.h — the language server: `parseltongue --stdio`.
 *
 * Speaks LSP 3.17 over stdin/stdout (nothing else is ever written to
 * stdout; logs go to stderr and window/logMessage). Options, read from
 * argv (argv[0] is the program, the rest in any order):
 *   --stdio                  accepted and ignored
 *   --clientProcessId N      exit when process N is gone
 *   --db DIR                 database directory (one root: DIR; several
 *                            roots: DIR/0, DIR/1, ...); default
 *                            <root>/.cache/parseltongue for each root
 * Returns the process exit code: 0 after shutdown + exit, 1 otherwise.
 */
#ifndef PT_LSP_LSP_H
#define PT_LSP_LSP_H

int lsp_main(int argc, char **argv);

#endif
