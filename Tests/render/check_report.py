#!/usr/bin/env python3
"""Checks a Switchboard HTML report the way a person would see it: in a real browser.

    check_report.py REPORT.html SCREENSHOT.png [--browser PATH] [--expect-text TEXT ...]

1. The HTML parses strictly (html.parser, with a stack of open elements: every non-void element
   is closed, in order, and nothing is closed that was not open).
2. Headless Chromium renders it to SCREENSHOT.png; the PNG is decoded (zlib, no third-party
   module) and must not be blank: enough distinct colours and non-white pixels.
3. Headless Chromium dumps the DOM after the page's script ran: the marker element
   #script-status must carry data-ok="1" (the script sets it as its last step; a script error
   replaces its text), the console log must show no uncaught error, and there must be exactly one
   <script> element (data texts like "<script>" render as text). Each --expect-text must appear in
   the rendered DOM's text (entity-decoded), i.e. the browser shows it as text.

Exit status: 0 all checks passed, 1 a check failed (each failure on stderr), 77 no browser (the
reason on stdout), 2 usage.
"""
import argparse
import html
import html.parser
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements whose end tag HTML allows to be omitted; the report must close them anyway.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class StrictParser(html.parser.HTMLParser):
    """Records unclosed, mismatched and stray tags, with their line numbers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.problems = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID and not self._in_svg():
            self.problems.append(f"line {self.getpos()[0]}: self-closing <{tag}/> outside SVG")

    def handle_endtag(self, tag):
        line = self.getpos()[0]
        if tag in VOID:
            self.problems.append(f"line {line}: end tag </{tag}> of a void element")
        elif not self.stack:
            self.problems.append(f"line {line}: </{tag}> with no open element")
        elif self.stack[-1][0] != tag:
            open_tag, open_line = self.stack[-1]
            self.problems.append(f"line {line}: </{tag}> closes <{open_tag}> opened on line {open_line}")
            if any(t == tag for t, _ in self.stack):
                while self.stack and self.stack[-1][0] != tag:
                    self.stack.pop()
                self.stack.pop()
        else:
            self.stack.pop()

    def _in_svg(self):
        return any(t == "svg" for t, _ in self.stack)

    def finish(self):
        self.close()
        for tag, line in self.stack:
            self.problems.append(f"line {line}: <{tag}> never closed")
        return self.problems


def check_html(text):
    parser = StrictParser()
    parser.feed(text)
    problems = parser.finish()
    if not text.lstrip().lower().startswith("<!doctype html>"):
        problems.append("no <!DOCTYPE html> at the start")
    if parser.scripts != 1:
        problems.append(f"{parser.scripts} <script> elements in the source, expected exactly the report's own 1")
    return problems


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples as bytes) of an 8-bit non-interlaced PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, offset = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        unfilter(kind, line, previous, channels)
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def unfilter(kind, line, previous, bpp):
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = previous[i]
        c = previous[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + a) & 255
        elif kind == 2:
            line[i] = (line[i] + b) & 255
        elif kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255


def check_png(path):
    width, height, channels, rows = png_pixels(path)
    colours, inked = set(), 0
    for row in rows:
        for x in range(0, len(row), channels):
            pixel = row[x:x + 3]
            colours.add(pixel)
            if pixel != b"\xff\xff\xff":
                inked += 1
    share = inked / (width * height)
    figures = f"{width}x{height}, {len(colours)} distinct colours, {100 * share:.2f}% non-white pixels"
    problems = []
    if len(colours) < 16:
        problems.append(f"screenshot looks blank: only {len(colours)} distinct colours ({figures})")
    if share < 0.01:
        problems.append(f"screenshot looks blank: {100 * share:.3f}% non-white pixels ({figures})")
    return problems, figures


def run_browser(browser, url, extra, profile):
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
               "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"] + extra + [url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def console_errors(log):
    """Uncaught script errors in Chromium's console log (lines such as 'CONSOLE(3)] "Uncaught ...')."""
    return [line.strip() for line in log.splitlines() if "CONSOLE" in line and "Uncaught" in line]


def check_dom(dom, expected):
    problems = []
    marker = re.search(r'<p id="script-status"([^>]*)>(.*?)</p>', dom, re.S)
    if not marker:
        problems.append("no #script-status element in the rendered DOM")
    elif 'data-ok="1"' not in marker.group(1):
        problems.append(f"the page's script did not finish: #script-status says {marker.group(2)!r}")
    scripts = len(re.findall(r"<script\b", dom))
    if scripts != 1:
        problems.append(f"{scripts} <script> elements in the rendered DOM, expected 1")
    text = html.unescape(re.sub(r"<[^>]+>", "", dom))
    for needle in expected:
        if needle not in text:
            problems.append(f"rendered text lacks {needle!r}")
    return problems, marker.group(2) if marker else ""


def find_browser(given):
    if given:
        return given if os.access(given, os.X_OK) else None
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report")
    parser.add_argument("screenshot")
    parser.add_argument("--browser", default=os.environ.get("SWITCHBOARD_BROWSER"))
    parser.add_argument("--expect-text", action="append", default=[])
    parser.add_argument("--window", default="1280,2400")
    args = parser.parse_args()

    text = open(args.report, encoding="utf-8").read()
    problems = [f"{args.report}: {p}" for p in check_html(text)]
    browser = find_browser(args.browser)
    if browser is None:
        print(f"no headless browser: none of {', '.join(BROWSERS)} on PATH (make test installs Debian's chromium)")
        return 77
    url = "file://" + os.path.abspath(args.report)
    with tempfile.TemporaryDirectory(prefix="check-report-") as profile:
        shot = run_browser(browser, url, [f"--screenshot={args.screenshot}", f"--window-size={args.window}",
                                          "--hide-scrollbars"], profile)
        if shot.returncode != 0 or not os.path.exists(args.screenshot):
            problems.append(f"{browser} --screenshot failed (status {shot.returncode}): {shot.stderr.strip()[-800:]}")
        else:
            png_problems, figures = check_png(args.screenshot)
            problems += png_problems
            print(f"screenshot: {figures}")
        dump = run_browser(browser, url, ["--dump-dom"], profile)
        if dump.returncode != 0:
            problems.append(f"{browser} --dump-dom failed (status {dump.returncode}): {dump.stderr.strip()[-800:]}")
        else:
            dom_problems, status = check_dom(dump.stdout, args.expect_text)
            problems += dom_problems
            print(f"script status: {status}")
        problems += [f"console: {line}" for line in console_errors(shot.stderr + dump.stderr)]
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
