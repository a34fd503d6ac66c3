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
;;   M-x parseltongue-supertypes       supertraits of a trait, traits of a type
;;   M-x parseltongue-subtypes         implementors and subtraits of a trait
;;   M-x parseltongue-reindex          compare the project with the disk again
;;
;; In Rust buffers managed by parseltongue, `parseltongue-mode' binds them
;; under `parseltongue-keymap-prefix' (C-c ~) and shows the index state in
;; the mode line.  `parseltongue-batch-find-cycles' runs in batch (CI).
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

(defcustom parseltongue-keymap-prefix (kbd "C-c ~")
  "Prefix of `parseltongue-command-map' in `parseltongue-mode' buffers.
Set it before `parseltongue-mode' is first turned on (or use
`parseltongue-command-map' under a key of your own)."
  :type 'key-sequence)

(defcustom parseltongue-mode-line t
  "Non-nil: show the index state in the mode line of `parseltongue-mode' buffers."
  :type 'boolean)

(defcustom parseltongue-mode-line-interval 2
  "Seconds after which the mode line's index state is asked again.
The answer is waited for in the background, never by redisplay."
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

;;;###autoload
(defun parseltongue-reindex ()
  "Make the server compare every folder of the project with the disk again."
  (interactive)
  (jsonrpc-request (parseltongue--server) :workspace/executeCommand
                   (list :command "parseltongue/reindex" :arguments [])
                   :timeout parseltongue-request-timeout)
  (message "parseltongue: rescanning"))

(defun parseltongue--hierarchy (direction)
  "The type hierarchy items in DIRECTION (\"supertypes\" or \"subtypes\") of
the trait or type at point, shown in a `compilation-mode' buffer."
  (let* ((root (parseltongue--root))
         (items (parseltongue-request :textDocument/prepareTypeHierarchy (parseltongue--at-point)))
         (item (and (vectorp items) (> (length items) 0) (aref items 0))))
    (if (not item)
        (progn (message "parseltongue: no trait or type at point") nil)
      (let ((res (parseltongue-request (intern (concat ":typeHierarchy/" direction)) (list :item item))))
        (parseltongue--show
         (format "*parseltongue-%s*" direction) root
         (format "%s of %s" (capitalize direction) (plist-get item :name))
         (cl-loop for i across res
                  collect (format "%s: %s%s" (parseltongue--where (list :uri (plist-get i :uri)
                                                                       :range (plist-get i :selectionRange))
                                                                 root)
                                  (plist-get i :name)
                                  (let ((d (plist-get i :detail)))
                                    (if (and (stringp d) (not (equal d (plist-get i :name)))) (concat "  " d) "")))))))))

;;;###autoload
(defun parseltongue-supertypes ()
  "Show the supertraits of the trait at point.
For a type: the traits it implements."
  (interactive)
  (parseltongue--hierarchy "supertypes"))

;;;###autoload
(defun parseltongue-subtypes ()
  "Show the types implementing the trait at point and its subtraits."
  (interactive)
  (parseltongue--hierarchy "subtypes"))

;;;; The keymap, the minor mode and the mode line

(defvar parseltongue-command-map
  (let ((m (make-sparse-keymap)))
    (define-key m "b" #'parseltongue-blast-radius)
    (define-key m "i" #'parseltongue-what-implements)
    (define-key m "u" #'parseltongue-supertypes)
    (define-key m "d" #'parseltongue-subtypes)
    (define-key m "c" #'parseltongue-find-cycles)
    (define-key m "x" #'parseltongue-context)
    (define-key m "s" #'parseltongue-status)
    (define-key m "r" #'parseltongue-reindex)
    m)
  "Parseltongue's commands: b blast radius, i implementations, u supertypes,
d subtypes, c cycles, x LLM context, s status, r reindex.")
(fset 'parseltongue-command-map parseltongue-command-map)

(defvar parseltongue-mode-map
  (let ((m (make-sparse-keymap)))
    (define-key m parseltongue-keymap-prefix 'parseltongue-command-map)
    m)
  "Keymap of `parseltongue-mode'.
It holds `parseltongue-command-map' under `parseltongue-keymap-prefix'.")

(defvar parseltongue--state (make-hash-table :test #'eq :weakness 'key)
  "Per server: (TEXT TIME PENDING) of the mode line's index state.")

(defun parseltongue--state-text (stats)
  (let ((roots (plist-get stats :roots)) (state "ready") (entities 0))
    (cl-loop for r across roots
             do (cl-incf entities (or (plist-get r :entities) 0))
             do (cond ((equal (plist-get r :state) "failed") (setq state "failed"))
                      ((and (not (equal state "failed"))
                            (or (not (equal (plist-get r :state) "ready"))
                                (> (or (plist-get r :pendingUpdates) 0) 0)))
                       (setq state "indexing"))))
    (if (equal state "ready") (format "PT[%d]" entities) (format "PT[%s]" state))))

(defun parseltongue--state-refresh (server)
  "Ask SERVER for its stats without waiting; the answer updates the mode lines."
  (let ((entry (or (gethash server parseltongue--state) (list "PT[…]" 0 nil))))
    (puthash server entry parseltongue--state)
    (unless (or (nth 2 entry) (not (jsonrpc-running-p server)))
      (setf (nth 2 entry) t)
      (jsonrpc-async-request
       server :parseltongue/stats (make-hash-table)
       :success-fn (lambda (st)
                     (setf (nth 0 entry) (parseltongue--state-text st)
                           (nth 1 entry) (float-time) (nth 2 entry) nil)
                     (force-mode-line-update t))
       :error-fn (lambda (_) (setf (nth 1 entry) (float-time) (nth 2 entry) nil))
       :timeout-fn (lambda () (setf (nth 1 entry) (float-time) (nth 2 entry) nil))))))

(defun parseltongue-mode-line ()
  "The index state for the mode line: \"PT[1813]\" (entities), \"PT[indexing]\",
\"PT[failed]\", or \"\" without a parseltongue server.  Never waits: it shows
the last answer and, when that is older than `parseltongue-mode-line-interval',
asks again in the background."
  (let ((server (and (bound-and-true-p eglot--managed-mode) (eglot-current-server))))
    (if (not server)
        ""
      (let ((entry (gethash server parseltongue--state)))
        (when (or (not entry)
                  (and (not (nth 2 entry))
                       ;; while indexing, every half second at most
                       (> (- (float-time) (nth 1 entry))
                          (if (string-match-p "PT\\[[0-9]+\\]" (nth 0 entry))
                              parseltongue-mode-line-interval
                            (min 0.5 parseltongue-mode-line-interval)))))
          ;; not from inside redisplay: right after it
          (run-at-time 0 nil #'parseltongue--state-refresh server))
        (if entry (nth 0 entry) "PT[…]")))))

;;;###autoload
(define-minor-mode parseltongue-mode
  "Parseltongue's commands under `parseltongue-keymap-prefix' and the index
state in the mode line, in a buffer managed by the parseltongue server.
Turned on by itself in such buffers (see `parseltongue--maybe-enable').

\\{parseltongue-mode-map}"
  :lighter (:eval (and parseltongue-mode-line (concat " " (parseltongue-mode-line))))
  :keymap parseltongue-mode-map)

(defun parseltongue--maybe-enable ()
  "Turn on `parseltongue-mode' when the buffer's eglot server is parseltongue.
For `eglot-managed-mode-hook'."
  (if (and (bound-and-true-p eglot--managed-mode)
           (eglot--server-capable :experimental :parseltongue))
      (parseltongue-mode 1)
    (when parseltongue-mode (parseltongue-mode -1))))

(add-hook 'eglot-managed-mode-hook #'parseltongue--maybe-enable)

;;;; Batch (CI)

;;;###autoload
(defun parseltongue-batch-find-cycles ()
  "In batch: for each directory on the command line, connect eglot to the
parseltongue server of its Cargo project, wait for the index, and print its
dependency cycles as \"file:line:col: cycle N (level): member\".  Exits with
status 1 when there is a cycle, 2 when the server cannot be reached, else 0.
  emacs --batch -l parseltongue -f parseltongue-batch-find-cycles DIR..."
  (unless noninteractive (user-error "For batch use: emacs --batch -f parseltongue-batch-find-cycles DIR"))
  (let ((status 0))
    (dolist (dir (or command-line-args-left (list default-directory)))
      (let* ((root (or (parseltongue-find-root (file-name-as-directory (expand-file-name dir)))
                       (progn (message "parseltongue: no Cargo.toml above %s" dir) (kill-emacs 2))))
             (file (car (or (directory-files-recursively (expand-file-name "src" root) "\\.rs\\'")
                            (directory-files-recursively root "\\.rs\\'")))))
        (with-current-buffer (find-file-noselect file)
          (let ((eglot-sync-connect t))
            (eglot-ensure)
            (run-hooks 'post-command-hook))
          (let ((end (+ (float-time) 60)) st)
            (while (and (< (float-time) end)
                        (not (and (eglot-current-server)
                                  (setq st (ignore-errors (parseltongue-request :parseltongue/stats)))
                                  (cl-every (lambda (r) (equal (plist-get r :state) "ready")) (plist-get st :roots)))))
              (accept-process-output nil 0.1))
            (unless st
              (message "parseltongue: no server for %s" root)
              (kill-emacs 2)))
          (let* ((buf (parseltongue-find-cycles "all"))
                 (text (with-current-buffer buf (buffer-string))))
            (princ text)
            (when (string-match-p "^[^ \n]+:[0-9]+:[0-9]+: cycle " text) (setq status 1)))
          (ignore-errors (eglot-shutdown (eglot-current-server))))))
    (setq command-line-args-left nil)
    (kill-emacs status)))

(provide 'parseltongue)
;;; parseltongue.el ends here
