#!/usr/bin/env python3
"""Render a `tmux capture-pane -p -e` capture (text with SGR escapes) to a PNG.

The capture is parsed as one stream: tmux emits an SGR only when the style
changes, so colour state carries over from one line to the next. Each cell is
drawn at its grid position with DejaVu Sans Mono, the cell width rounded down
so that box-drawing glyphs overlap instead of leaving gaps.

usage: render.py CAPTURE.txt OUT.png [--cols N --rows N]
Needs Pillow (Debian: python3-pil).
"""

import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 16
DEFAULT_FG = (204, 204, 204)
DEFAULT_BG = (24, 24, 28)

BASE16 = [
    (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = False
        self.dim = False
        self.underline = False
        self.reverse = False
        self.strike = False

    def copy(self):
        s = Style()
        s.__dict__.update(self.__dict__)
        return s

    def apply(self, params):
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 9:
                self.strike = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif c == 29:
                self.strike = False
            elif 30 <= c <= 37:
                self.fg = BASE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASE16[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = BASE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASE16[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48, 58) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    col = xterm256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    col = tuple(codes[i + 2:i + 5])
                    i += 4
                else:
                    col = None
                if c == 38:
                    self.fg = col
                elif c == 48:
                    self.bg = col
            i += 1


ESC = re.compile(r"\x1b\[([0-9;:]*)([A-Za-z])|\x1b[()][0-9A-Za-z]|\x1b.")


def parse(text, cols, rows):
    grid = [[(" ", Style()) for _ in range(cols)] for _ in range(rows)]
    style = Style()
    lines = text.split("\n")
    for y, line in enumerate(lines[:rows]):
        x = 0
        pos = 0
        while pos < len(line):
            m = ESC.match(line, pos)
            if m:
                if m.group(2) == "m":
                    style.apply(m.group(1).replace(":", ";"))
                pos = m.end()
                continue
            ch = line[pos]
            pos += 1
            if ch == "\r":
                continue
            if x < cols:
                grid[y][x] = (ch, style.copy())
            x += 1
        # Cells tmux did not print keep the current background.
        while x < cols:
            grid[y][x] = (" ", style.copy())
            x += 1
    return grid


def render(grid, out):
    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    cw = int(regular.getlength("M"))
    ascent, descent = regular.getmetrics()
    ch = ascent + descent
    rows, cols = len(grid), len(grid[0])
    pad = 8
    img = Image.new("RGB", (cols * cw + 2 * pad, rows * ch + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(grid):
        for x, (c, s) in enumerate(row):
            fg = s.fg or DEFAULT_FG
            bg = s.bg or DEFAULT_BG
            if s.reverse:
                fg, bg = bg, fg
            if s.dim:
                fg = tuple((a + b) // 2 for a, b in zip(fg, bg))
            px, py = pad + x * cw, pad + y * ch
            if bg != DEFAULT_BG:
                draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=bg)
            if c != " ":
                draw.text((px, py), c, font=bold if s.bold else regular, fill=fg)
            if s.underline:
                draw.line([px, py + ch - 2, px + cw - 1, py + ch - 2], fill=fg)
            if s.strike:
                draw.line([px, py + ch // 2, px + cw - 1, py + ch // 2], fill=fg)
    img.save(out)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    cols = int(args[args.index("--cols") + 1]) if "--cols" in args else 160
    rows = int(args[args.index("--rows") + 1]) if "--rows" in args else 45
    with open(args[0], encoding="utf-8", errors="replace") as f:
        text = f.read()
    render(parse(text, cols, rows), args[1])


if __name__ == "__main__":
    main()
