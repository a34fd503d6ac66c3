;;; emacs_test.el --- batch test of emacs/parseltongue.el with eglot and the real server  -*- lexical-binding: t; -*-

;; Run by tests/clients/emacs.sh, which sets PT_BIN (server), PT_WORK (a copy
;; of tests/fixtures/lsp1), PT_DB (database dir), PT_ROOT (the repository).
;; Expectations by hand from the fixture (1-based lines, 0-based char columns,
;; as xref reports them):
;;   shapes.rs 1  `pub trait Area`   impls: `impl Area for Circle` (14), `impl Area for Square` (20),
;;                                    `Area' at column 5 of each; also used in lib.rs 6:13 (`use') and
;;                                    26:18 (`T: Area')
;;   lib.rs   22  `pub fn helper`    references: lib.rs 18 (after "größe — ∑ 😀": char column 39,
;;                                    utf-16 unit 40), the name itself 22:7, lib.rs 31:4 and 31:16
;;   ping.rs / pong.rs use each other's types: a module cycle.

;;; Code:

(require 'cl-lib)
(require 'package)
(dolist (d '("/usr/share/emacs/site-lisp/elpa" "/usr/share/emacs/site-lisp/elpa-src"))
  (when (file-directory-p d) (add-to-list 'package-directory-list d t)))
(package-initialize)
(require 'eglot)
(require 'xref)

(defvar pt-failed 0)
(defvar pt-passed 0)

(defun pt-say (s) (princ (concat s "\n")))

(defun pt-check (name ok &optional detail)
  (if ok
      (progn (cl-incf pt-passed) (pt-say (concat "ok   " name)))
    (cl-incf pt-failed)
    (pt-say (format "FAIL %s%s" name
                    (if detail (concat ": " (truncate-string-to-width (format "%S" detail) 800)) ""))))
  ok)

(defun pt-wait (pred &optional timeout)
  "Spin the event loop until PRED is non-nil (TIMEOUT seconds, default 15)."
  (let ((end (+ (float-time) (or timeout 15))) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) end))
      (accept-process-output nil 0.05))
    v))

(defun pt-goto (line col)
  "LINE 1-based, COL 0-based (characters)."
  (goto-char (point-min))
  (forward-line (1- line))
  (forward-char col))

(defun pt-xref-where (x)
  "\"file:line:col\" of an xref item."
  (let ((loc (xref-item-location x)))
    (format "%s:%d:%d" (file-name-nondirectory (xref-location-group loc))
            (xref-location-line loc)
            (if (fboundp 'xref-file-location-column) (xref-file-location-column loc) -1))))

(defvar pt-bin (getenv "PT_BIN"))
(defvar pt-work (file-name-as-directory (getenv "PT_WORK")))
(defvar pt-db (getenv "PT_DB"))

(cl-defun pt-run ()
  (pt-check (format "Emacs %s, eglot %s" emacs-version
                    (or (ignore-errors (package-desc-version (cadr (assq 'eglot package-alist)))) "built in"))
            t)
  (add-to-list 'load-path (expand-file-name "emacs" (getenv "PT_ROOT")))
  (require 'parseltongue)
  (setq parseltongue-program pt-bin
        parseltongue-database pt-db
        eglot-sync-connect 10
        eglot-connect-timeout 20)
  (pt-check "registered in eglot-server-programs"
            (eq (cdr (car eglot-server-programs)) #'parseltongue--contact))

  ;; ---- connect -------------------------------------------------------------------
  ;; ping.rs is visited before the server starts, so that the diagnostics the
  ;; server pushes after its first indexing find it (eglot 1.9 drops
  ;; diagnostics for files that are not visited).
  (find-file (expand-file-name "src/ping.rs" pt-work))
  (find-file (expand-file-name "src/shapes.rs" pt-work))
  (pt-check "a Rust major mode for .rs" (memq major-mode '(rust-mode rust-ts-mode parseltongue-rust-mode))
            major-mode)
  (eglot-ensure)
  (run-hooks 'post-command-hook)            ; what the command loop does after the file is visited
  (let ((server (pt-wait (lambda () (eglot-current-server)) 20)))
    (unless (pt-check "eglot-ensure connects" server)
      (cl-return-from pt-run))
    (pt-check "the project root is the Cargo.toml directory"
              (equal (file-name-as-directory (expand-file-name (project-root (eglot--project server))))
                     (file-name-as-directory (file-truename pt-work)))
              (eglot--project server))
    (pt-check "the server was started with --db" (member "--db" (process-command (jsonrpc--process server)))
              (process-command (jsonrpc--process server)))
    (let ((id (if (fboundp 'eglot--language-ids)   ; eglot 1.17+
                  (car (eglot--language-ids server))
                (eglot--language-id server))))
      (pt-check "language id rust" (equal id "rust") id))
    (let ((st (pt-wait (lambda ()
                         (let ((s (jsonrpc-request server :parseltongue/stats (make-hash-table))))
                           (and (cl-every (lambda (r) (equal (plist-get r :state) "ready")) (plist-get s :roots))
                                s)))
                       20)))
      (pt-check "indexing finishes (parseltongue/stats: ready, 5 files)" (and st (= (plist-get st :files) 5)) st))

    ;; ---- implementations: eglot's own xref machinery ---------------------------------
    (pt-goto 1 11)                          ; on `Area`
    (let* ((xs (eglot--lsp-xrefs-for-method :textDocument/implementation))
           (got (sort (mapcar #'pt-xref-where xs) #'string<)))
      (pt-check "implementations of trait Area (eglot xrefs): shapes.rs 14 and 20"
                (equal (mapcar (lambda (s) (string-join (butlast (split-string s ":")) ":")) got)
                       '("shapes.rs:14" "shapes.rs:20"))
                got))
    (let ((got (mapcar #'pt-xref-where (eglot--lsp-xrefs-for-method :textDocument/implementation))))
      (pt-check "implementations of Area point at `Area' in each impl header, in order"
                (equal got '("shapes.rs:14:5" "shapes.rs:20:5")) got))
    (let* ((xs (xref-backend-references 'eglot (xref-backend-identifier-at-point 'eglot)))
           (got (mapcar #'pt-xref-where xs)))
      (pt-check "references of Area (eglot asks with the declaration): the use, the bound, the impl headers, in order"
                (equal got '("lib.rs:6:13" "lib.rs:26:18" "shapes.rs:1:10" "shapes.rs:14:5" "shapes.rs:20:5"))
                got))
    (let ((raw (jsonrpc-request server :textDocument/implementation (eglot--TextDocumentPositionParams))))
      (pt-check "textDocument/implementation through jsonrpc-request: two locations"
                (= (length raw) 2) raw))

    ;; ---- references of helper: xref-backend-references and xref-find-references -------------
    (find-file (expand-file-name "src/lib.rs" pt-work))
    (pt-wait (lambda () (eglot-current-server)) 5)
    (pt-check "the same server manages a second file" (eq (eglot-current-server) server))
    (pt-goto 22 8)                          ; `pub fn helper`
    (let* ((backend (xref-find-backend))
           (xs (xref-backend-references backend (xref-backend-identifier-at-point backend)))
           (got (sort (mapcar #'pt-xref-where xs) #'string<)))
      (pt-check "xref backend is eglot" (eq backend 'eglot) backend)
      (pt-check "references of helper (with its name; column 39 after non-ASCII text)"
                (equal got '("lib.rs:18:39" "lib.rs:22:7" "lib.rs:31:16" "lib.rs:31:4")) got))
    (let ((xref-show-xrefs-function #'xref--show-xref-buffer))
      (save-window-excursion (xref-find-references "helper")))
    (let* ((buf (get-buffer "*xref*"))
           (items (and buf (with-current-buffer buf
                             (let (seen)
                               (goto-char (point-min))
                               (while (not (eobp))
                                 (let ((it (get-text-property (point) 'xref-item)))
                                   (when it (cl-pushnew (pt-xref-where it) seen :test #'equal)))
                                 (goto-char (or (next-single-property-change (point) 'xref-item) (point-max))))
                               (sort seen #'string<))))))
      (pt-check "xref-find-references: the *xref* buffer holds the four sites"
                (equal items '("lib.rs:18:39" "lib.rs:22:7" "lib.rs:31:16" "lib.rs:31:4")) items))

    ;; ---- custom requests through parseltongue.el's commands ---------------------------
    (pt-goto 22 8)
    (let ((buf (parseltongue-blast-radius 2)))
      (pt-check "parseltongue-blast-radius 2: describe (lib.rs:18) and twice (lib.rs:31) at depth 1"
                (and (bufferp buf)
                     (with-current-buffer buf
                       (let ((s (buffer-string)))
                         (and (string-match-p "^src/lib\\.rs:18:[0-9]+: depth 1 CALLS function lspfix::describe" s)
                              (string-match-p "^src/lib\\.rs:31:[0-9]+: depth 1 CALLS function lspfix::twice" s)
                              (string-match-p "Blast radius of lspfix::helper (depth 2)" s)
                              (eq major-mode 'compilation-mode)))))
                (and (bufferp buf) (with-current-buffer buf (buffer-string)))))
    (let ((text (parseltongue-context 500)))
      (pt-check "parseltongue-context: the text, in the kill ring and a buffer"
                (and (stringp text) (string-match-p "pub fn helper(x: u32) -> u32" text)
                     (equal (current-kill 0 t) text)
                     (equal (with-current-buffer "*parseltongue-context*" (buffer-string)) text))
                text))
    (find-file (expand-file-name "src/shapes.rs" pt-work))
    (pt-goto 1 11)
    (let ((buf (parseltongue-what-implements)))
      (pt-check "parseltongue-what-implements: Circle (shapes.rs:14) and Square (shapes.rs:20)"
                (and (bufferp buf)
                     (with-current-buffer buf
                       (let ((s (buffer-string)))
                         (and (string-match-p "^src/shapes\\.rs:14:[0-9]+: impl lspfix::shapes::Area for lspfix::shapes::Circle" s)
                              (string-match-p "^src/shapes\\.rs:20:[0-9]+: impl lspfix::shapes::Area for lspfix::shapes::Square" s)))))
                (and (bufferp buf) (with-current-buffer buf (buffer-string)))))
    (let ((buf (parseltongue-find-cycles "module")))
      (pt-check "parseltongue-find-cycles module: lspfix::ping <-> lspfix::pong"
                (and (bufferp buf)
                     (with-current-buffer buf
                       (let ((s (buffer-string)))
                         (and (string-match-p "cycle 1 (module): lspfix::ping" s)
                              (string-match-p "cycle 1 (module): lspfix::pong" s)
                              (not (string-match-p "cycle 2" s))))))
                (and (bufferp buf) (with-current-buffer buf (buffer-string)))))
    (let ((s (parseltongue-status)))
      (pt-check "parseltongue-status: ready, 5 files, the database"
                (and (string-match-p "ready, 5 files, [0-9]+ entities" s) (string-match-p (regexp-quote pt-db) s)) s))

    ;; ---- type hierarchy, keymap, mode line ----------------------------------------------
    (find-file (expand-file-name "src/shapes.rs" pt-work))
    (pt-goto 1 11)                          ; `Area'
    (let ((buf (parseltongue-subtypes)))
      (pt-check "parseltongue-subtypes of Area: Circle (shapes.rs:6:12) and Square (shapes.rs:10:12)"
                (and (bufferp buf)
                     (with-current-buffer buf
                       (let ((s (buffer-string)))
                         (and (string-match-p "^src/shapes\\.rs:6:12: Circle" s)
                              (string-match-p "^src/shapes\\.rs:10:12: Square" s)
                              (eq major-mode 'compilation-mode)))))
                (and (bufferp buf) (with-current-buffer buf (buffer-string)))))
    (pt-goto 6 13)                          ; `Circle'
    (let ((buf (parseltongue-supertypes)))
      (pt-check "parseltongue-supertypes of Circle: Area, std's Debug and Clone at the derive (5:10, 5:17)"
                (and (bufferp buf)
                     (with-current-buffer buf
                       (let ((s (buffer-string)))
                         (and (string-match-p "^src/shapes\\.rs:1:11: Area" s)
                              (string-match-p "^src/shapes\\.rs:5:10: std::fmt::Debug" s)
                              (string-match-p "^src/shapes\\.rs:5:17: std::clone::Clone" s)))))
                (and (bufferp buf) (with-current-buffer buf (buffer-string)))))
    (pt-check "parseltongue-mode is on in the managed buffer" parseltongue-mode)
    (let ((bindings (mapcar (lambda (k) (key-binding (kbd (concat "C-c ~ " k)))) '("b" "i" "u" "d" "c" "x" "s" "r"))))
      (pt-check "C-c ~ b/i/u/d/c/x/s/r run the parseltongue commands"
                (equal bindings '(parseltongue-blast-radius parseltongue-what-implements parseltongue-supertypes
                                  parseltongue-subtypes parseltongue-find-cycles parseltongue-context
                                  parseltongue-status parseltongue-reindex))
                bindings))
    (setq parseltongue-mode-line-interval 0.2)
    ;; batch Emacs formats no mode line (format-mode-line gives ""): the lighter's form is
    ;; evaluated here; tests/clients/emacs_starts.py checks the real mode line in a terminal
    (let* ((lighter (cadr (assq 'parseltongue-mode minor-mode-alist)))
           (ml (pt-wait (lambda ()
                          (let ((s (eval (cadr lighter) t)))
                            (and (string-match "^ PT\\[\\([0-9]+\\)\\]$" s) s)))
                        10)))
      (pt-check "the mode line shows the index state: \" PT[entities]\"" ml (list lighter (gethash server parseltongue--state)))
      ;; the server busy for 1.5 s (test-only request): the mode line answers from what it has
      (let ((slept nil) (before (parseltongue-mode-line)))
        (jsonrpc-async-request server :parseltongue/_sleep '(:ms 1500)
                               :success-fn (lambda (_) (setq slept t)) :timeout 10)
        (pt-wait (lambda () nil) 0.4)
        (let ((now (parseltongue-mode-line)))
          (force-mode-line-update t)
          (pt-wait (lambda () nil) 0.1)
          (pt-check "the mode line while the server is busy: the last text at once (the busy request still running)"
                    (and (equal now before) (not slept)) (list now before slept)))
        (pt-wait (lambda () slept) 5)))
    (pt-check "parseltongue-reindex: executeCommand parseltongue/reindex answered"
              (condition-case e (progn (parseltongue-reindex) t) (error e)))

    ;; ---- diagnostics pushed to flymake ------------------------------------------------
    (switch-to-buffer (find-buffer-visiting (expand-file-name "src/ping.rs" pt-work)))
    (pt-check "the file visited before connecting is managed too" (eq (eglot-current-server) server))
    (let ((diags (pt-wait (lambda ()
                            (when (bound-and-true-p flymake-mode) (flymake-start))
                            (and (bound-and-true-p flymake-mode) (flymake-diagnostics)))
                          10)))
      (pt-check "module cycle diagnostic in ping.rs line 1 (flymake)"
                (and diags (cl-some (lambda (d) (and (string-match-p "cycle" (flymake-diagnostic-text d))
                                                     (= 1 (line-number-at-pos (flymake-diagnostic-beg d)))))
                                    diags))
                (mapcar #'flymake-diagnostic-text diags)))

    ;; ---- shutdown ---------------------------------------------------------------------
    (let ((err (with-current-buffer (jsonrpc-stderr-buffer server) (buffer-string))))
      (pt-check "no sanitizer report on the server's stderr"
                (not (string-match-p "Sanitizer\\|runtime error" err)) (substring err (max 0 (- (length err) 600)))))
    ;; eglot-shutdown sends shutdown (and waits for the answer) and exit, then
    ;; jsonrpc.el deletes the process at once: the exit status is not the server's.
    (let ((proc (jsonrpc--process server))
          (log nil))
      (cl-flet ((spy (orig conn method &rest args)
                  (condition-case e
                      (let ((r (apply orig conn method args))) (push (list method 'ok r) log) r)
                    (error (push (list method 'error e) log) (signal (car e) (cdr e))))))
        (advice-add 'jsonrpc-request :around #'spy)
        (advice-add 'jsonrpc-notify :around #'spy)
        (unwind-protect (eglot-shutdown server)
          (advice-remove 'jsonrpc-request #'spy)
          (advice-remove 'jsonrpc-notify #'spy)))
      (pt-check "eglot-shutdown: shutdown answered null, exit sent"
                (and (member '(:shutdown ok nil) log) (assq :exit log)) log)
      (pt-check "eglot-shutdown: the server is gone" (not (process-live-p proc)) (process-status proc)))))

(condition-case err
    (progn (pt-run) (pt-check "the test ran to the end" t))
  (error (pt-check "the test ran to the end" nil err)))
(kill-emacs (if (> pt-failed 0) 1 0))

;;; emacs_test.el ends here
