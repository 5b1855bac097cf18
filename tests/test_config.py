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


@pytest.mark.parametrize("table,needles", [
    ('kind = "blur"', ["kind = 'blur'", "auto, image, spectrogram, series, none"]),
    ('shfit = 0.1', ["unknown key(s) in [augment]: shfit"]),
    ('kind = "series"\nflip = true', ["flip does not apply to kind 'series'", "time_shift, scale, noise"]),
    ('kind = "none"\nnoise = 0.1', ["noise does not apply to kind 'none'"]),
    ('shift = 0.7', ["shift = 0.7", "from 0 to 0.5"]),
    ('erase = 1.5', ["erase = 1.5", "from 0 to 1.0"]),
    ('noise = -0.1', ["noise = -0.1", ">= 0"]),
    ('fill = "mirror"', ["fill = 'mirror'", '"zeros" or "border"']),
    ('flip = 1', ["flip = 1", "true or false"]),
    ('time_masks = 1.5', ["time_masks = 1.5", "whole number"]),
])
def test_augment_table_refusals_name_the_key_and_the_fix(tmp_path, table, needles):
    p = tmp_path / "r.toml"
    p.write_text(f'name = "x"\ndataset = "digits"\n[augment]\n{table}\n')
    with pytest.raises(UserError) as e:
        config.load_recipe(str(p))
    assert str(p) in e.value.problem
    for needle in needles:
        assert needle in str(e.value), str(e.value)


def test_augment_table_loads_and_quick_can_override_it(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('name = "x"\ndataset = "digits"\n[augment]\nkind = "image"\nerase = 0.2\n'
                 '[quick]\naugment = { erase = 0.0 }\n')
    assert config.load_recipe(str(p)).augment == config.AugmentConfig(kind="image", erase=0.2)
    assert config.load_recipe(str(p), quick=True).augment.erase == 0.0
    assert config.load_recipe("digits").augment.kind == "image"
    assert config.Recipe("x", "digits").augment == config.AugmentConfig()    # no table: "auto"
