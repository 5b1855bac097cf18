"""--labels / [distill] labels (pipeline/data/labels.py, config.parse_labels): exactly N labels kept,
at least one per class, in proportion to the classes, seeded; the rest -1; bad values refused."""

import numpy as np
import pytest

from pipeline import config
from pipeline.config import DistillConfig
from pipeline.data import Splits, labels
from pipeline.errors import UserError
from tests.conftest import edgedistill

SIZES = (50, 30, 15, 5)     # an unbalanced training split of 100 samples, 4 classes


def _splits(sizes=SIZES, task="classification"):
    y = np.repeat(np.arange(len(sizes)), sizes)
    y = y[np.random.default_rng(7).permutation(len(y))]
    x = np.arange(len(y), dtype=np.float32).reshape(-1, 1, 1, 1)       # x[i] = i: rows traceable
    names = tuple(map(str, range(len(sizes))))
    return Splits("tiny", names, x, y, x[:4], y[:4], x[:4], y[:4], x[:4], task=task)


@pytest.mark.parametrize("sizes,n", [(SIZES, 4), (SIZES, 7), (SIZES, 10), (SIZES, 33), (SIZES, 99),
                                     ((10, 10, 10), 10),     # quotas 3.33: floors sum to 9
                                     ((97, 1, 1, 1), 5),     # the minimum of 1 overshoots: 97 takes 2
                                     ((40, 40, 20), 100)])
def test_exactly_n_labels_at_least_one_per_class_in_proportion(sizes, n):
    splits = _splits(sizes)
    kept, info = labels.keep_labels(splits, n, seed=0)
    y = kept.y_train
    assert info == {"kept": n, "of": sum(sizes), "spec": str(n)}
    assert (y != labels.UNLABELLED).sum() == n
    assert np.array_equal(y[y >= 0], splits.y_train[y >= 0])       # kept labels are the true ones
    assert set(np.unique(y)) <= {-1, *range(len(sizes))}
    per_class = np.bincount(y[y >= 0], minlength=len(sizes))
    quota = n * np.array(sizes) / sum(sizes)
    assert (per_class >= 1).all()
    if (quota >= 1).all():     # no class lifted to the minimum of 1: each within 1 of its share
        assert (np.abs(per_class - quota) < 1).all(), (per_class, quota)
    assert np.array_equal(kept.x_train, splits.x_train)           # every sample stays for KD


def test_hand_counted_allocation():
    """SIZES, n = 10: quotas 5, 3, 1.5, 0.5 -> floors 5, 3, 1, then the minimum 1 -> 10 already."""
    kept, _ = labels.keep_labels(_splits(), 10, seed=0)
    assert list(np.bincount(kept.y_train[kept.y_train >= 0])) == [5, 3, 1, 1]
    kept, _ = labels.keep_labels(_splits(), 8, seed=0)     # quotas 4, 2.4, 1.2, 0.4 -> 4, 2, 1, 1
    assert list(np.bincount(kept.y_train[kept.y_train >= 0])) == [4, 2, 1, 1]


def test_selection_is_seeded():
    a, _ = labels.keep_labels(_splits(), 20, seed=0)
    b, _ = labels.keep_labels(_splits(), 20, seed=0)
    c, _ = labels.keep_labels(_splits(), 20, seed=1)
    assert np.array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.y_train, c.y_train)


@pytest.mark.parametrize("spec,n", [("5%", 5), ("12.5%", 13), ("4%", 4), ("100%", 100), ("33", 33)])
def test_a_percentage_is_a_share_of_the_training_split(spec, n):
    kept, info = labels.keep_labels(_splits(), spec, seed=0)
    assert (kept.y_train >= 0).sum() == n and info["kept"] == n and info["spec"] == spec


def test_every_label_kept_is_no_partial_split_and_none_is_a_no_op():
    splits = _splits()
    assert not labels.partial(labels.keep_labels(splits, "100%", seed=0)[0])
    assert labels.keep_labels(splits, None, seed=0) == (splits, None)
    kept, _ = labels.keep_labels(splits, 10, seed=0)
    assert labels.partial(kept)


def test_labelled_only_is_the_kept_subset():
    kept, _ = labels.keep_labels(_splits(), 10, seed=0)
    sub = labels.labelled_only(kept)
    assert len(sub.y_train) == 10 and (sub.y_train >= 0).all()
    rows = sub.x_train.reshape(-1).astype(int)                    # x[i] = i
    assert np.array_equal(sub.y_train, kept.y_train[rows])
    assert np.array_equal(sub.x_val, kept.x_val)


# --- refusals -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [0, -3, "0", "0%", "150%", "abc", "5.5", "-5%", "nan%", "5 percent", 0.05,
                                  True, ""])
def test_bad_forms_are_refused_when_the_recipe_loads(spec):
    with pytest.raises(UserError) as e:
        DistillConfig(labels=spec)
    assert "labels" in e.value.problem and "--labels 5%" in e.value.fix


@pytest.mark.parametrize("spec,want", [(500, ("count", 500)), ("500", ("count", 500)), ("5%", ("percent", 5.0)),
                                       ("0.5%", ("percent", 0.5)), ("100%", ("percent", 100.0)), (None, None)])
def test_good_forms(spec, want):
    assert config.parse_labels(spec) == want


def test_a_recipe_file_with_a_bad_value_is_refused_naming_the_file(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('name = "x"\ndataset = "digits"\n[distill]\nlabels = "150%"\n')
    with pytest.raises(UserError, match=r"r\.toml: labels = '150%'"):
        config.load_recipe(str(p))
    p.write_text('name = "x"\ndataset = "digits"\n[distill]\nlabels = "5%"\n')
    assert config.load_recipe(str(p)).distill.labels == "5%"


def test_counts_the_data_cannot_give_are_refused():
    with pytest.raises(UserError, match="more than the 100 samples") as e:
        labels.keep_labels(_splits(), 101, seed=0)
    assert "at most 100" in e.value.fix
    with pytest.raises(UserError, match="fewer than the 4 classes") as e:
        labels.keep_labels(_splits(), 3, seed=0)
    assert "at least 4" in e.value.fix
    with pytest.raises(UserError, match="fewer than the 4 classes"):
        labels.keep_labels(_splits(), "1%", seed=0)             # 1 label of 100


def test_an_anomaly_task_is_refused():
    with pytest.raises(UserError, match="anomaly") as e:
        labels.keep_labels(_splits((90, 10), task="anomaly"), "50%", seed=0)
    assert "remove --labels" in e.value.fix


@pytest.mark.parametrize("value,needle", [("abc", "'abc'"), ("150%", "'150%'"), ("0", "labels = 0")])
def test_cli_refuses_a_bad_value_with_exit_2_and_one_line(tmp_path, value, needle):
    r = edgedistill("teacher", "--recipe", "digits", "--quick", "--labels", value, "--out", tmp_path / "r")
    assert r.returncode == 2, (r.stdout[-1000:], r.stderr[-1000:])
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and err[0].startswith(f"error: --labels {value}: ") and needle in err[0], r.stderr
    assert "--labels 5%" in err[0] and "Traceback" not in r.stderr + r.stdout
    assert not (tmp_path / "r" / "teacher.keras").exists()
