"""The data files the office edits load without silently losing an entry."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = sorted([*(ROOT / "kb" / "data").glob("*.yml"), *(ROOT / "bot" / "domain").glob("*.yml")])

pytestmark = pytest.mark.unit


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping key given twice (PyYAML keeps the last one)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    duplicated = sorted({str(k) for k in keys if keys.count(k) > 1})
    if duplicated:
        raise yaml.constructor.ConstructorError(
            None, None, f"keys given twice: {duplicated}", node.start_mark)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_key_is_given_twice(path: Path) -> None:
    yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)


def test_the_strict_loader_refuses_a_repeated_key() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("a: [1]\nb: 2\na: [3]\n", Loader=_StrictLoader)
