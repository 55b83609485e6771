#!/usr/bin/env python3
"""Plays casts the way `asciinema cat` 2.4 does, in one process.

Reads file paths (one per line) on stdin and prints one verdict per line:
`ok` when asciinema 2.4 plays the whole file, `fail: REASON` otherwise. It
calls asciinema 2.4's own reader (`asciinema.asciicast.open_from_url`) and
writes the `o` data as `cat` does, so exceptions are the player's own. A file
that 2.4 stops reading early (it stops silently at an empty line) counts as a
failure: events after that point are never played.

Used by the differential test (tests/players.rs); needs `pip install
asciinema==2.4.0`.
"""
import io
import sys

from asciinema import asciicast


def play(path):
    try:
        with asciicast.open_from_url(path) as cast:
            out = io.StringIO()
            for _, _type, text in cast.events("o"):
                out.write(text)
            # `cat` writes to a UTF-8 terminal: lone surrogates fail there.
            out.getvalue().encode("utf-8")
            if cast.version == 2:
                rest = cast._Asciicast__file.read()
                if rest != "":
                    return "fail: stopped early at an empty line"
        return "ok"
    except Exception as e:  # the player's own failure, whatever it is
        return "fail: %s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")


def main():
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            print(play(path), flush=True)


if __name__ == "__main__":
    main()
