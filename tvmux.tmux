#!/usr/bin/env sh
# tvmux for tmux. Load it with TPM (set -g @plugin 'OWNER/tvmux' in
# ~/.tmux.conf) or directly:   run-shell /path/to/tvmux/tvmux.tmux
#
# Keys, after the prefix:
#   M-r  start or stop recording the current window (its active pane)
#        (option @tvmux-key)
#   M-R  start or stop recording the whole window, as tmux draws it
#        (option @tvmux-window-key)
#   M-p  watch the current window's recording in a popup, following it
#        (option @tvmux-play-key)
# A message in the status line says what happened.
#
# With [recording] auto = true, loading the plugin starts the server, which
# then records every window of every session.
#
# Status line: put #{tvmux_status} in status-right or status-left, e.g.
#   set -g status-right '#{tvmux_status}%H:%M'
# It shows "● REC" while the current window is recorded.
#
# The tvmux binary is `tvmux` on PATH, or @tvmux-bin.

option() {
  value=$(tmux show-option -gqv "$1")
  printf '%s' "${value:-$2}"
}

tvmux=$(option @tvmux-bin tvmux)
key=$(option @tvmux-key M-r)
window_key=$(option @tvmux-window-key M-R)
# tmux expands #{window_id} (an id like @3) before the shell runs the command;
# the binary's path is quoted for the shell.
quoted="'$(printf '%s' "$tvmux" | sed "s/'/'\\\\''/g")'"
tmux bind-key "$key" run-shell -b "$quoted rec toggle --message -t '#{window_id}'"
tmux bind-key "$window_key" run-shell -b "$quoted rec toggle --message --view window -t '#{window_id}'"
# Watch the current window's live recording in a popup (q closes it).
play_key=$(option @tvmux-play-key M-p)
tmux bind-key "$play_key" display-popup -E -w 90% -h 90% "$quoted play -t '#{window_id}' || sleep 2"

# With `[recording] auto = true` in ~/.tvmux.conf, the server records every
# window: start it now (it does nothing otherwise).
tmux run-shell -b "$quoted server start --if-auto >/dev/null"

segment="#($quoted rec status --tmux -t '#{window_id}')"
for side in status-right status-left; do
  value=$(tmux show-option -gqv "$side")
  case "$value" in
    *'#{tvmux_status}'*)
      tmux set-option -gq "$side" "$(printf '%s' "$value" | sed "s|#{tvmux_status}|$segment|g")"
      ;;
  esac
done
