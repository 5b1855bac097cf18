import pytest

from pipeline import config
from pipeline.errors import UserError


def test_builtin_recipes_load_and_quick_overrides_apply():
    for name in config.builtin_names():
        full, quick = config.load_recipe(name), config.load_recipe(name, quick=True)
        assert full.dataset == quick.dataset
        assert quick.distill.epochs <= full.distill.epochs
    assert config.load_recipe("fashion-mnist", quick=True).limit == {"train": 3000, "test": 500}


def test_recipe_file_with_unknown_key_is_refused(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('name = "x"\ndataset = "digits"\n[distill]\ntemprature = 3\n')
    with pytest.raises(UserError, match="temprature"):
        config.load_recipe(str(p))


def test_recipe_file_round_trip_and_overrides(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('name = "mine"\ndataset = "digits"\n[student]\narch = "cnn"\n')
    r = config.load_recipe(str(p))
    assert r.name == "mine" and r.student.arch == "cnn"
    r2 = config.with_overrides(r, distill={"baseline": True})
    assert r2.distill.baseline and not r.distill.baseline


def test_bad_toml_and_missing_recipes():
    with pytest.raises(UserError, match="unknown recipe"):
        config.load_recipe("nope")
    with pytest.raises(UserError, match="not found"):
        config.load_recipe("/no/such/recipe.toml")
