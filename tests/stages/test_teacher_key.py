"""The teacher cache's key covers the code a zoo teacher's weights depend on, and nothing else:
editing a student, the compiler or another family keeps every cached teacher."""

from pathlib import Path

import pytest

from pipeline.config import TeacherConfig
from pipeline.stages import teacher

PKG = Path(teacher.__file__).resolve().parent.parent


def _key_with_edit(monkeypatch, arch: str, edited: str) -> str:
    real = Path.read_bytes

    def read_bytes(self):
        data = real(self)
        return data + b"\n# edited\n" if self.resolve() == (PKG / edited).resolve() else data
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    try:
        return teacher.cache_key(TeacherConfig(arch=arch), 0, "data")
    finally:
        monkeypatch.setattr(Path, "read_bytes", real)


@pytest.mark.parametrize("arch, edited, changes", [
    ("vgg", "zoo/students.py", False),
    ("vgg", "zoo/sequence.py", False),
    ("vgg", "compiler/emit.py", False),
    ("vgg", "zoo/teachers.py", True),
    ("cnn1d", "zoo/sequence.py", True),
    ("cnn1d", "zoo/teachers.py", True),      # BN momentum lives there
    ("vgg", "stages/training.py", True),
    ("vgg", "data/augment.py", True),
])
def test_key_follows_the_teachers_own_code(monkeypatch, arch, edited, changes):
    assert (PKG / edited).is_file()
    base = teacher.cache_key(TeacherConfig(arch=arch), 0, "data")
    assert (_key_with_edit(monkeypatch, arch, edited) != base) == changes
