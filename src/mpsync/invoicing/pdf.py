"""Renders an invoice document as a Russian «Счёт на оплату» PDF with fpdf2.

No font ships with mpsync: a Cyrillic TTF comes from ``MPSYNC_INVOICE_FONT``, the
DejaVu package (``fonts-dejavu-core``) or ``fc-match``; without one we say how to get it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF

from mpsync.invoicing.pdf_layout import draw_invoice

FONT_ENV = "MPSYNC_INVOICE_FONT"
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",  # Fedora, Alpine: dejavu-sans-fonts, font-dejavu
    "/usr/share/fonts/TTF",  # Arch: ttf-dejavu
    "/Library/Fonts",
    "/System/Library/Fonts/Supplemental",
)
FONT_NAMES = (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), ("Arial.ttf", "Arial Bold.ttf"))
FONT_HINT = (
    "no TrueType font with Cyrillic glyphs found for invoice PDFs; install one "
    "(Debian/Ubuntu: apt-get install fonts-dejavu-core; Alpine: apk add font-dejavu; "
    f"Fedora: dnf install dejavu-sans-fonts) or set {FONT_ENV}=/path/to/font.ttf"
)


class FontNotFoundError(RuntimeError):
    """No usable Cyrillic TTF; the message names the package to install and the env var."""


@dataclass(frozen=True)
class Fonts:
    regular: Path
    bold: Path


def find_fonts() -> Fonts:
    """The regular and bold fonts to embed; bold falls back to the regular face."""
    configured = os.environ.get(FONT_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file() or path.suffix.lower() not in (".ttf", ".otf"):
            raise FontNotFoundError(f"{FONT_ENV}={configured} is not a .ttf/.otf file; {FONT_HINT}")
        return Fonts(path, _sibling_bold(path) or path)
    for directory in FONT_DIRS:
        for regular, bold in FONT_NAMES:
            if (Path(directory) / regular).is_file():
                bold_path = Path(directory) / bold
                return Fonts(
                    Path(directory) / regular,
                    bold_path if bold_path.is_file() else Path(directory) / regular,
                )
    found = _fc_match("sans-serif:lang=ru")
    if found is None:
        raise FontNotFoundError(FONT_HINT)
    return Fonts(found, _fc_match("sans-serif:lang=ru:bold") or found)


def _sibling_bold(path: Path) -> Path | None:
    candidate = path.with_name(f"{path.stem}-Bold{path.suffix}")
    return candidate if candidate.is_file() else None


def _fc_match(pattern: str) -> Path | None:
    binary = shutil.which("fc-match")
    if binary is None:
        return None
    try:
        result = subprocess.run(
            [binary, "-f", "%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(result.stdout.strip())
    if result.returncode != 0 or not path.is_file() or path.suffix.lower() not in (".ttf", ".otf"):
        return None
    return path


class OutputError(ValueError):
    """The PDF cannot go where it was asked to: the message names the path and the fix."""


def render_pdf(
    document: Mapping[str, Any], out: Path, *, void_note: str | None = None, force: bool = False
) -> Path:
    """Write *document* (an ``Invoice.document``) as a one-or-more page A4 PDF at *out*.

    *void_note* (a voided invoice) stamps the first page «АННУЛИРОВАН» with the note.
    An existing *out* is replaced only with *force*; a symbolic link is never written
    through (with *force* the link itself is replaced). Raises ``OutputError``.
    """
    out = Path(out)
    _check_output(out, force)
    # fpdf subsets the font with fontTools, which logs ~70 info lines per invoice.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    fonts = find_fonts()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("Invoice", "", str(fonts.regular))
    pdf.add_font("Invoice", "B", str(fonts.bold))
    pdf.set_title(f"Счёт на оплату № {document.get('number', '')}")
    pdf.set_creator("mpsync")
    pdf.add_page()
    if void_note:
        _stamp_void(pdf, void_note)
    draw_invoice(pdf, document)
    _write(out, bytes(pdf.output()))
    return out


def _check_output(out: Path, force: bool) -> None:
    if out.is_dir() and not out.is_symlink():
        raise OutputError(f"{out} is a directory; give a file name (e.g. {out / 'invoice.pdf'})")
    if out.is_symlink() and not force:
        raise OutputError(f"{out} is a symbolic link; mpsync does not write through links "
                          "(give another path, or --force to replace the link itself)")  # fmt: skip
    if out.exists() and not force:
        raise OutputError(f"{out} already exists; add --force to replace it")


def _write(out: Path, data: bytes) -> None:
    """Write *data* to a new file beside *out*, then rename it onto *out*: a link at *out*
    is replaced, never followed, and a failed write leaves *out* as it was."""
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(temporary, flags, 0o644)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None


def _stamp_void(pdf: FPDF, note: str) -> None:
    """A translucent red diagonal «АННУЛИРОВАН» across the page, the note above the header."""
    pdf.set_text_color(200, 30, 30)
    pdf.set_font("Invoice", "", 9)
    pdf.text(15, 9, note)
    pdf.set_font("Invoice", "B", 52)
    with pdf.local_context(fill_opacity=0.35), pdf.rotation(angle=35, x=105, y=150):
        pdf.text(42, 165, "АННУЛИРОВАН")
    pdf.set_text_color(0, 0, 0)
