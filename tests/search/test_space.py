"""The candidate students: the recipe's own student first and only once, families by data shape."""

from pipeline.config import StudentConfig
from pipeline.search.space import candidates


def test_the_recipe_student_leads_and_is_not_repeated():
    own = StudentConfig(arch="ds-cnn", kwargs={"alpha": 0.75})
    got = candidates((28, 28, 1), own)
    assert got[0].arch == "ds-cnn" and got[0].kwargs == {"alpha": 0.75}
    assert sum(c.arch == "ds-cnn" and c.kwargs.get("alpha") == 0.75 and "blocks" not in c.kwargs
               and "stem_stride" not in c.kwargs for c in got) == 1
    assert len({c.name for c in got}) == len(got)
    assert {c.arch for c in got} == {"ds-cnn", "cnn"}


def test_series_get_the_1d_family_and_quick_is_a_handful():
    assert {c.arch for c in candidates((128, 6))} == {"cnn1d"}
    assert len(candidates((8, 8, 1), quick=True)) <= 6
    assert candidates((8, 8, 1), StudentConfig(path="mine.keras"))[0].arch != "mine"


def test_stem_stride_halves_the_maps_and_its_default_keeps_the_recipe_student():
    from pipeline import zoo
    own = zoo.build("student", "ds-cnn", (28, 28, 1), 10, alpha=0.75)
    assert own.count_params() == 22_522            # README / BENCHMARKS: the fashion-mnist student
    half = zoo.build("student", "ds-cnn", (28, 28, 1), 10, alpha=0.75, stem_stride=2)
    assert own.get_layer("stem").output.shape[1:3] == (28, 28)
    assert half.get_layer("stem").output.shape[1:3] == (14, 14)
    assert half.count_params() == own.count_params()     # same layers, smaller maps
