;;; parseltongue.el --- Parseltongue code-graph server for Rust, through eglot  -*- lexical-binding: t; -*-

;; Copyright (c) 2026 The Parseltongue authors
;; SPDX-License-Identifier: MIT
;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, tools, rust

;;; Commentary:

;; Registers `parseltongue --stdio' with eglot for `rust-mode' and
;; `rust-ts-mode' (and for `parseltongue-rust-mode', a small fallback major
;; mode for .rs files defined here when neither is installed), finds the
;; project root at the nearest Cargo.toml, and adds commands for the server's
;; custom requests:
;;
;;   M-x parseltongue-blast-radius     what depends on the symbol at point
;;   M-x parseltongue-what-implements  impls and derives of the trait at point
;;   M-x parseltongue-find-cycles      dependency cycles (module / function)
;;   M-x parseltongue-context          LLM context for the symbol (buffer + kill ring)
;;   M-x parseltongue-status           index state of the project
;;
;; Eglot runs one server per major mode and project: with this package loaded
;; eglot starts parseltongue (not rust-analyzer) for Rust buffers.  Set
;; `parseltongue-register-with-eglot' to nil before loading to keep eglot's
;; own choice and start parseltongue with C-u M-x eglot.  See emacs/README.md.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'jsonrpc)
(require 'project)

(defgroup parseltongue nil
  "Parseltongue code-graph server for Rust."
  :group 'tools
  :prefix "parseltongue-")

(defcustom parseltongue-program "parseltongue"
  "The parseltongue binary (a name on `exec-path' or a file name)."
  :type 'string)

(defcustom parseltongue-args nil
  "Extra arguments for `parseltongue --stdio'."
  :type '(repeat string))

(defcustom parseltongue-database nil
  "Database directory: nil (the server's default, ROOT/.cache/parseltongue),
a directory name, or a function called with the project root that returns one."
  :type '(choice (const nil) directory function))

(defcustom parseltongue-register-with-eglot t
  "Non-nil: put parseltongue first in `eglot-server-programs' for Rust modes."
  :type 'boolean)

(defcustom parseltongue-blast-radius-depth 3
  "Default depth of `parseltongue-blast-radius'."
  :type 'integer)

(defcustom parseltongue-context-tokens 2000
  "Default token budget of `parseltongue-context'."
  :type 'integer)

(defcustom parseltongue-request-timeout 30
  "Seconds to wait for an answer to a custom request."
  :type 'number)

(defconst parseltongue-modes '(rust-mode rust-ts-mode (parseltongue-rust-mode :language-id "rust"))
  "Major modes served by parseltongue, as `eglot-server-programs' wants them.")

;;;; A fallback major mode for .rs files

(defvar parseltongue-rust-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?/ ". 124b" st)
    (modify-syntax-entry ?* ". 23n" st)
    (modify-syntax-entry ?\n "> b" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?\\ "\\" st)
    (modify-syntax-entry ?' "." st)
    st)
  "Syntax table of `parseltongue-rust-mode'.")

;;;###autoload
(define-derived-mode parseltongue-rust-mode prog-mode "Rust"
  "A minimal major mode for Rust, used when neither `rust-mode' nor
`rust-ts-mode' is available: comments, strings, symbols at point."
  :syntax-table parseltongue-rust-mode-syntax-table
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "//+\\s-*")
  (setq-local indent-tabs-mode nil)
  (setq-local font-lock-defaults
              '(("\\_<\\(?:as\\|async\\|await\\|break\\|const\\|continue\\|crate\\|dyn\\|else\\|enum\\|extern\\|fn\\|for\\|if\\|impl\\|in\\|let\\|loop\\|match\\|mod\\|move\\|mut\\|pub\\|ref\\|return\\|self\\|Self\\|static\\|struct\\|super\\|trait\\|type\\|union\\|unsafe\\|use\\|where\\|while\\)\\_>"))))

;; Map .rs to the fallback mode only when nothing else claims .rs files
;; (rust-mode's autoloads and rust-ts-mode with its grammar both do; a
;; rust-mode loaded later puts its entry first and wins).
(unless (assoc-default "x.rs" auto-mode-alist #'string-match)
  (add-to-list 'auto-mode-alist '("\\.rs\\'" . parseltongue-rust-mode)))

;;;; Project root and the server command

(defun parseltongue-find-root (dir)
  "The root for DIR: the nearest directory with a Cargo.toml, unless an
enclosing Cargo.toml declares a [workspace]; nil when there is none."
  (when-let ((root (locate-dominating-file dir "Cargo.toml")))
    (let ((best (expand-file-name root))
          (up (file-name-directory (directory-file-name (expand-file-name root)))))
      (while (and up (not (equal up (file-name-directory (directory-file-name up)))))
        (let ((cargo (expand-file-name "Cargo.toml" up)))
          (when (and (file-readable-p cargo)
                     (with-temp-buffer
                       (insert-file-contents cargo)
                       (re-search-forward "^[ \t]*\\[workspace\\]" nil t)))
            (setq best up)))
        (setq up (file-name-directory (directory-file-name up))))
      (file-name-as-directory best))))

(defun parseltongue--rust-buffer-p ()
  (apply #'derived-mode-p (mapcar (lambda (m) (if (consp m) (car m) m)) parseltongue-modes)))

(defun parseltongue--project-find (dir)
  "For `project-find-functions': the Cargo root of DIR, for eglot in Rust buffers."
  (when (and (bound-and-true-p eglot-lsp-context) (parseltongue--rust-buffer-p))
    (when-let ((root (parseltongue-find-root dir)))
      (cons 'transient root))))

(defun parseltongue--contact (&optional _interactive)
  "The server command line for the current buffer's project."
  (let* ((root (parseltongue-find-root default-directory))
         (db (if (functionp parseltongue-database)
                 (funcall parseltongue-database root)
               parseltongue-database)))
    (append (list (or (executable-find parseltongue-program) parseltongue-program) "--stdio")
            parseltongue-args
            (and db (list "--db" (expand-file-name db))))))

;;;###autoload
(defun parseltongue-eglot-setup ()
  "Register parseltongue in `eglot-server-programs' and the Cargo root finder."
  (interactive)
  (add-hook 'project-find-functions #'parseltongue--project-find)
  (setq eglot-server-programs
        (cons (cons parseltongue-modes #'parseltongue--contact)
              (cl-remove #'parseltongue--contact eglot-server-programs :key #'cdr))))

(when parseltongue-register-with-eglot
  (parseltongue-eglot-setup))

;;;; Custom requests

(defun parseltongue--server ()
  (let ((server (eglot--current-server-or-lose)))
    (unless (eglot--server-capable :experimental :parseltongue)
      (user-error "The eglot server of this buffer is not parseltongue"))
    server))

(defun parseltongue-request (method &optional params)
  "Send the custom request METHOD (a keyword, e.g. :parseltongue/stats)
with PARAMS to this buffer's parseltongue server and return the answer."
  (jsonrpc-request (parseltongue--server) method (or params (make-hash-table))
                   :timeout parseltongue-request-timeout))

(defun parseltongue--at-point (&rest extra)
  (append (eglot--TextDocumentPositionParams) extra))

(defun parseltongue--relative (uri root)
  (let ((file (eglot--uri-to-path uri)))
    (if (and root (string-prefix-p (expand-file-name root) file))
        (file-relative-name file root)
      file)))

(defun parseltongue--where (loc root)
  "\"file:line:col\" for a plist with :uri and :range (1-based)."
  (let ((start (plist-get (plist-get loc :range) :start)))
    (format "%s:%d:%d" (parseltongue--relative (plist-get loc :uri) root)
            (1+ (plist-get start :line)) (1+ (plist-get start :character)))))

(defun parseltongue--show (name root title lines)
  "Show LINES (\"file:line:col: text\") in buffer NAME, in `compilation-mode'
so that RET and `next-error' visit each place.  Return the buffer."
  (let ((buf (get-buffer-create name)))
    (with-current-buffer buf
      (let ((inhibit-read-only t))
        (erase-buffer)
        (setq default-directory (or root default-directory))
        (insert title "\n\n")
        (dolist (l lines) (insert l "\n"))
        (unless lines (insert "(nothing)\n")))
      (compilation-mode)
      (goto-char (point-min)))
    (unless noninteractive (display-buffer buf))
    buf))

(defun parseltongue--root ()
  (or (parseltongue-find-root default-directory) default-directory))

;;;###autoload
(defun parseltongue-blast-radius (&optional depth)
  "Show what depends on the symbol at point, to DEPTH (prefix argument)."
  (interactive "P")
  (let* ((depth (if depth (prefix-numeric-value depth) parseltongue-blast-radius-depth))
         (root (parseltongue--root))
         (res (parseltongue-request :parseltongue/blastRadius (parseltongue--at-point :depth depth))))
    (if (not res)
        (progn (message "parseltongue: nothing at point") nil)
      (let ((lines
             (cl-loop for e across (plist-get res :items)
                      for at = (if (plist-get (plist-get e :site) :uri) (plist-get e :site) e)
                      when (plist-get at :uri)
                      collect (format "%s: depth %d %s %s %s  (%s)" (parseltongue--where at root)
                                      (plist-get e :depth) (plist-get e :relation) (plist-get e :kind)
                                      (plist-get e :qualifiedName)
                                      (mapconcat #'identity (plist-get e :via) " -> ")))))
        (message "parseltongue: %s: %d affected%s" (plist-get (plist-get res :target) :qualifiedName)
                 (length (plist-get res :items)) (if (eq (plist-get res :truncated) t) " (truncated)" ""))
        (parseltongue--show "*parseltongue-blast-radius*" root
                            (format "Blast radius of %s (depth %d)"
                                    (plist-get (plist-get res :target) :qualifiedName) depth)
                            lines)))))

;;;###autoload
(defun parseltongue-what-implements ()
  "Show the impls and derives of the trait at point (or the traits of the type)."
  (interactive)
  (let* ((root (parseltongue--root))
         (res (parseltongue-request :parseltongue/whatImplements (parseltongue--at-point))))
    (if (not res)
        (progn (message "parseltongue: nothing at point") nil)
      (parseltongue--show
       "*parseltongue-implementations*" root
       (format "Implementations of %s" (plist-get (plist-get res :target) :qualifiedName))
       (cl-loop for i across (plist-get res :items)
                when (plist-get (plist-get i :location) :uri)
                collect (format "%s: %s %s for %s" (parseltongue--where (plist-get i :location) root)
                                (plist-get i :kind) (plist-get i :trait) (plist-get i :type)))))))

;;;###autoload
(defun parseltongue-find-cycles (&optional level)
  "Show dependency cycles at LEVEL (\"module\", \"function\" or \"all\")."
  (interactive (list (completing-read "Level: " '("all" "module" "function") nil t nil nil "all")))
  (let* ((root (parseltongue--root))
         (res (parseltongue-request :parseltongue/findCycles
                                    (if (and level (not (equal level ""))) (list :level level) nil)))
         (cycles (plist-get res :cycles)))
    (message "parseltongue: %d cycle%s" (length cycles) (if (= (length cycles) 1) "" "s"))
    (parseltongue--show
     "*parseltongue-cycles*" root (format "Dependency cycles (%s): %d" (or level "all") (length cycles))
     (cl-loop for cy across cycles
              for n from 1
              for names = (mapconcat (lambda (m) (plist-get m :qualifiedName)) (plist-get cy :members) " <-> ")
              append (cl-loop for m across (plist-get cy :members)
                              when (plist-get m :uri)
                              collect (format "%s: cycle %d (%s): %s  [%s]"
                                              (parseltongue--where (list :uri (plist-get m :uri)
                                                                         :range (or (plist-get m :selectionRange)
                                                                                    (plist-get m :range)))
                                                                   root)
                                              n (plist-get cy :level) (plist-get m :qualifiedName) names))))))

;;;###autoload
(defun parseltongue-context (&optional tokens)
  "Put the LLM context of the symbol at point in a buffer and the kill ring.
TOKENS (prefix argument) is the budget."
  (interactive "P")
  (let* ((tokens (if tokens (prefix-numeric-value tokens) parseltongue-context-tokens))
         (res (parseltongue-request :parseltongue/generateContext (parseltongue--at-point :tokens tokens))))
    (if (not res)
        (progn (message "parseltongue: nothing at point") nil)
      (let ((text (plist-get res :text))
            (buf (get-buffer-create "*parseltongue-context*")))
        (kill-new text)
        (with-current-buffer buf
          (let ((inhibit-read-only t))
            (erase-buffer)
            (insert text))
          (if (fboundp 'markdown-mode) (markdown-mode) (text-mode))
          (goto-char (point-min)))
        (unless noninteractive (display-buffer buf))
        (message "parseltongue: context for %s, %d tokens (in the kill ring)"
                 (plist-get (plist-get res :target) :qualifiedName) (plist-get res :tokens))
        text))))

;;;###autoload
(defun parseltongue-status ()
  "Show the index state of this buffer's parseltongue server; return the text."
  (interactive)
  (let* ((st (parseltongue-request :parseltongue/stats))
         (text (mapconcat
                (lambda (r)
                  (format "%s: %s, %d files, %d entities, %d edges, db %s%s"
                          (eglot--uri-to-path (plist-get r :root)) (plist-get r :state)
                          (or (plist-get r :files) 0) (or (plist-get r :entities) 0)
                          (or (plist-get r :edges) 0) (plist-get r :database)
                          (if (stringp (plist-get r :error)) (format " (%s)" (plist-get r :error)) "")))
                (plist-get st :roots) "; ")))
    (message "parseltongue: %s" text)
    text))

(provide 'parseltongue)
;;; parseltongue.el ends here
