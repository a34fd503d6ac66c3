;;; emacs_start.el --- one eglot session start on a real crate, batch or in a terminal  -*- lexical-binding: t; -*-

;; Loaded by tests/clients/emacs_starts.py, once per start, as
;;   emacs --batch -Q -l emacs_start.el            (batch)
;;   emacs -nw -Q -l emacs_start.el FILE           (in a pseudo-terminal)
;; with PT_BIN (server), PT_ROOT (the repository), PT_FILE (the .rs file
;; to visit) and PT_OUT (where the result line goes).
;;
;; The set-up is the README's (emacs/README.md, "Install"); then the file
;; is visited, eglot connects, and one `xref-backend-definitions' on `push'
;; in the file's first `self.push(' must answer within 3 seconds.  A
;; session whose jsonrpc.el lost its place in the stream answers nothing:
;; "dead".  The result line written to PT_OUT:
;;   alive N FILE:LINE... nested=K      (K: nested runs of the process filter)
;;   and in a terminal " modeline=PT[N]" (the index state parseltongue-mode shows)
;;   dead ERROR nested=K unparsed=BYTES
;;   noserver

;;; Code:

(require 'package)
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(add-to-list 'load-path (expand-file-name "emacs" (getenv "PT_ROOT")))
(setq parseltongue-program (getenv "PT_BIN"))
(require 'parseltongue)
(add-hook 'rust-mode-hook #'eglot-ensure)
(add-hook 'parseltongue-rust-mode-hook #'eglot-ensure)

;; Count the process filter's nested runs: the harm is done by those
;; (jsonrpc.el 1.0.14's filter is not re-entrant).
(defvar pt-depth 0)
(defvar pt-nested 0)
(advice-add 'jsonrpc--process-filter :around
            (lambda (orig proc string)
              (when (> pt-depth 0) (setq pt-nested (1+ pt-nested)))
              (let ((pt-depth (1+ pt-depth))) (funcall orig proc string))))

(defun pt-result (fmt &rest args)
  (with-temp-file (getenv "PT_OUT") (insert (apply #'format fmt args) "\n")))

(defun pt-where (x)
  (let ((l (xref-item-location x)))
    (format "%s:%d" (file-name-nondirectory (xref-location-group l)) (xref-location-line l))))

(defun pt-probe (server)
  "One definition request on `push' in `self.push(', 3 seconds at most."
  (goto-char (point-min))
  (search-forward "self.push(")
  (backward-char 3)
  (condition-case err
      (let ((xs (with-timeout (3 (error "no answer in 3 s"))
                  (xref-backend-definitions 'eglot (xref-backend-identifier-at-point 'eglot)))))
        (pt-result "alive %d %s nested=%d" (length xs) (mapconcat #'pt-where xs " ") pt-nested))
    (error (pt-result "dead %S nested=%d unparsed=%d" err pt-nested
                      (with-current-buffer (process-buffer (jsonrpc--process server))
                        (buffer-size))))))

(defun pt-finish ()
  (let ((server (eglot-current-server)))
    (when server (ignore-errors (eglot-shutdown server))))
  (kill-emacs 0))

(defun pt-visited ()
  (find-buffer-visiting (getenv "PT_FILE")))

(if noninteractive
    ;; What the command loop would do: visit, run post-command-hook (where
    ;; eglot-ensure connects), wait for the server, ask.
    (progn
      (find-file (getenv "PT_FILE"))
      (run-hooks 'post-command-hook)
      (let ((end (+ (float-time) 20)))
        (while (and (not (eglot-current-server)) (< (float-time) end))
          (accept-process-output nil 0.05)))
      (if (eglot-current-server) (pt-probe (eglot-current-server)) (pt-result "noserver"))
      (pt-finish))
  ;; In a terminal the file is visited by the command line and eglot
  ;; connects from the command loop.  A timer tells the harness when
  ;; eglot manages the buffer (PT_OUT.connected); the harness then types
  ;; C-c p, so the request is made by a command, as a user's would be.
  (global-set-key (kbd "C-c p")
                  (lambda () (interactive)
                    (with-current-buffer (pt-visited)
                      (pt-probe (eglot-current-server))
                      ;; and the mode line as redisplay shows it: parseltongue-mode's index state
                      (let ((end (+ (float-time) 5)) ml)
                        (while (and (< (float-time) end)
                                    (not (string-match-p "PT\\[[0-9]+\\]"
                                                         (setq ml (format-mode-line mode-line-format)))))
                          (accept-process-output nil 0.05))
                        (with-temp-buffer
                          (insert (format " modeline=%s\n"
                                          (if (string-match "PT\\[[^]]*\\]" ml) (match-string 0 ml) "none")))
                          (append-to-file (point-min) (point-max) (getenv "PT_OUT")))))
                    (pt-finish)))
  (let ((t0 (float-time)) timer)
    (setq timer
          (run-with-timer
           0.05 0.05
           (lambda ()
             (cond ((> (- (float-time) t0) 30)
                    (cancel-timer timer) (pt-result "noserver") (pt-finish))
                   ((and (pt-visited) (with-current-buffer (pt-visited) (eglot-current-server)))
                    (cancel-timer timer)
                    (with-temp-file (concat (getenv "PT_OUT") ".connected") (insert "yes")))))))))

;;; emacs_start.el ends here
