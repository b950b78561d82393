"""Plan files to text: .txt as published extracts, .docx and .pdf as the district issues them.

In: a path to a .txt, .docx or .pdf plan.  Out: the plan as one string, one line per paragraph.
A .docx keeps the body's order: each paragraph is a line (a soft line break inside it becomes a
newline) and each table stands where it stands in the body, one line per row with the cells
joined by a TAB. A cell holding several paragraphs gives them joined by one space (a single
space never separates columns), and a cell Word merges across columns is given once.
"""
from __future__ import annotations

from pathlib import Path


class UnsupportedPlanFormat(ValueError):
    """The file is not a .txt, .docx or .pdf plan."""


def _load_txt(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def _cell_text(cell) -> str:
    return " ".join(p.text.replace("\n", " ").strip() for p in cell.paragraphs).strip()


def _table_lines(table) -> list[str]:
    """One line per row; python-docx repeats a horizontally merged cell in every grid cell it
    spans (the same <w:tc>), so consecutive repeats of one cell collapse into one."""
    lines = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(_cell_text(cell).replace("\t", " "))
        lines.append("\t".join(cells))
    return lines


def _load_docx(path: Path) -> str:
    import docx
    from docx.table import Table

    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _load_pdf(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


LOADERS = {".txt": _load_txt, ".docx": _load_docx, ".pdf": _load_pdf}


def load_text(path: Path) -> str:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnsupportedPlanFormat(f"{path.name}: only .txt, .docx and .pdf plans are supported")
    return loader(path)
