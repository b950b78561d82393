"""Plan files to text: .txt as published extracts, .docx and .pdf as the district issues them."""
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


def _load_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
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
