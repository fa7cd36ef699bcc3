"""Neovim's screen with `graphrun lsp` attached, as a UI sees it (for tests/lsp/neovim.rs).

Starts Neovim embedded (`nvim --embed`), attaches as its UI (pynvim, the line-grid UI
protocol), opens FILE with its built-in LSP client started on `graphrun lsp` (INIT), waits
until the client has the file's diagnostics, puts the cursor at LINE:COL, types `i` and
Ctrl-X Ctrl-O (completion from the language server), and writes what is on the screen:
OUT.json (the rows of text, whether the completion menu is up and its words, the
diagnostics) and OUT.svg (the grid drawn cell by cell in Neovim's own colours).

    nvim_screen.py NVIM INIT FILE LINE COL OUT
"""

import json
import sys
import time
from html import escape

import pynvim

WIDTH, HEIGHT = 100, 26
CELL_W, CELL_H = 8.4, 17


class Screen:
    """The grid and the highlights, kept up to date from `redraw` notifications."""

    def __init__(self):
        self.rows = [[[" ", 0] for _ in range(WIDTH)] for _ in range(HEIGHT)]
        self.attrs = {0: {}}
        self.fg, self.bg, self.sp = 0xFFFFFF, 0x000000, 0xFF0000

    def redraw(self, events):
        for event in events:
            name, calls = event[0], event[1:]
            for args in calls:
                getattr(self, "on_" + name, lambda *a: None)(*args)

    def on_default_colors_set(self, fg, bg, sp, *_):
        self.fg = fg if fg >= 0 else self.fg
        self.bg = bg if bg >= 0 else self.bg
        self.sp = sp if sp >= 0 else self.sp

    def on_hl_attr_define(self, hl_id, rgb, *_):
        self.attrs[hl_id] = rgb

    def on_grid_resize(self, _grid, width, height):
        self.rows = [[[" ", 0] for _ in range(width)] for _ in range(height)]

    def on_grid_clear(self, _grid):
        for row in self.rows:
            for cell in row:
                cell[0], cell[1] = " ", 0

    def on_grid_line(self, _grid, row, col, cells, *_):
        hl = 0
        for cell in cells:
            text = cell[0]
            if len(cell) > 1:
                hl = cell[1]
            repeat = cell[2] if len(cell) > 2 else 1
            for _ in range(repeat):
                if col < len(self.rows[row]):
                    self.rows[row][col] = [text, hl]
                col += 1

    def on_grid_scroll(self, _grid, top, bot, left, right, rows, _cols):
        lines = [row[left:right] for row in self.rows[top:bot]]
        for i in range(top, bot):
            source = i - top + rows
            if 0 <= source < len(lines):
                self.rows[i][left:right] = [list(c) for c in lines[source]]

    def text(self):
        return ["".join(c[0] for c in row).rstrip() for row in self.rows]

    def colours(self, hl):
        a = self.attrs.get(hl, {})
        fg, bg = a.get("foreground", self.fg), a.get("background", self.bg)
        if a.get("reverse"):
            fg, bg = bg, fg
        return fg, bg, a

    def svg(self):
        width, height = len(self.rows[0]) * CELL_W, len(self.rows) * CELL_H
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, monospace" font-size="14">',
            f'<rect width="100%" height="100%" fill="#{self.bg:06x}"/>',
        ]
        for y, row in enumerate(self.rows):
            x = 0
            while x < len(row):
                hl = row[x][1]
                end = x
                while end < len(row) and row[end][1] == hl:
                    end += 1
                fg, bg, a = self.colours(hl)
                px, py = x * CELL_W, y * CELL_H
                if bg != self.bg:
                    out.append(
                        f'<rect x="{px:.1f}" y="{py}" width="{(end - x) * CELL_W:.1f}" height="{CELL_H}" fill="#{bg:06x}"/>'
                    )
                text = "".join(c[0] for c in row[x:end])
                if text.strip():
                    weight = ' font-weight="bold"' if a.get("bold") else ""
                    style = ' font-style="italic"' if a.get("italic") else ""
                    out.append(
                        f'<text x="{px:.1f}" y="{py + 13}" fill="#{fg:06x}"{weight}{style} '
                        f'xml:space="preserve" textLength="{(end - x) * CELL_W:.1f}">{escape(text)}</text>'
                    )
                if a.get("undercurl") or a.get("underline"):
                    sp = a.get("special", self.sp)
                    dash = ' stroke-dasharray="2 2"' if a.get("undercurl") else ""
                    out.append(
                        f'<line x1="{px:.1f}" y1="{py + 16}" x2="{end * CELL_W:.1f}" y2="{py + 16}" '
                        f'stroke="#{sp:06x}"{dash}/>'
                    )
                x = end
        out.append("</svg>")
        return "\n".join(out) + "\n"


def main():
    nvim_bin, init, path, line, col, out = sys.argv[1:7]
    nvim = pynvim.attach("child", argv=[nvim_bin, "--embed", "--clean", "-n", "-u", init])
    screen = Screen()
    nvim.ui_attach(WIDTH, HEIGHT, rgb=True, ext_linegrid=True)

    def settle(seconds=0.3):
        """Lets Neovim draw, reading every redraw it sends."""
        end = time.time() + seconds
        while True:
            nvim.eval("1")
            while nvim._session._pending_messages:
                message = nvim._session._pending_messages.popleft()
                if message[0] == "notification" and message[1] == "redraw":
                    screen.redraw(message[2])
            if time.time() > end:
                return
            time.sleep(0.03)

    nvim.command("edit " + path)
    deadline = time.time() + 20
    while nvim.exec_lua("return #vim.diagnostic.get(0)", []) == 0:
        if time.time() > deadline:
            raise SystemExit("no diagnostics came")
        settle(0.05)
    nvim.api.win_set_cursor(0, (int(line), int(col)))
    nvim.command("normal! zz")
    settle()
    nvim.input("i<C-x><C-o>")
    deadline = time.time() + 20
    while nvim.funcs.pumvisible() == 0:
        if time.time() > deadline:
            break
        settle(0.05)
    settle()
    info = nvim.funcs.complete_info(["items"])
    diagnostics = nvim.exec_lua(
        "local out = {} for _, d in ipairs(vim.diagnostic.get(0)) do"
        " table.insert(out, {code = d.code, message = d.message, line = d.lnum}) end return out",
        [],
    )
    result = {
        "rows": screen.text(),
        "menu": bool(nvim.funcs.pumvisible()),
        "words": [item.get("word") for item in info.get("items", [])],
        "diagnostics": diagnostics,
    }
    with open(out + ".json", "w") as f:
        json.dump(result, f)
    with open(out + ".svg", "w") as f:
        f.write(screen.svg())
    nvim.command("qa!", async_=True)


main()
