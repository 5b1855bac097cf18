"""`edgedistill search` and `run --budget` end to end on digits (8x8 images, a 2-epoch recipe):
an impossible budget, a budget one candidate meets, and a run whose winner goes on to firmware."""

import json
import re

import pytest

from pipeline.config import recipes_dir
from tests.conftest import edgedistill


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    """digits with a short [quick] distillation on fewer samples, checked on 100 of them: the
    search's rungs, the winner's KD and its emulator run are brief."""
    path = tmp_path_factory.mktemp("recipe") / "digits-short.toml"
    text = (recipes_dir() / "digits.toml").read_text()
    text = text.replace("[teacher]", "verify_samples = 100\nemulator_samples = 100\n\n[teacher]", 1)
    quick = "teacher = { epochs = 4 }\ndistill = { epochs = 2 }\nqat = { epochs = 1 }\nlimit = { train = 500, test = 100 }"
    text = text[:text.index("[quick]")] + "[quick]\n" + quick + "\n"     # the recipe's own [quick], replaced
    assert "distill = { epochs = 2 }" in text and "emulator_samples = 100" in text
    path.write_text(text)
    return path


def test_an_impossible_budget_exits_2_naming_the_smallest_candidate_before_the_teacher(recipe, tmp_path):
    r = edgedistill("search", "--recipe", recipe, "--quick", "--target", "stm32f405",
                    "--budget", "ram=1K,flash=1M", "--out", tmp_path / "r")
    assert r.returncode == 2, r.stderr
    err = r.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in r.stderr
    assert "no candidate student fits RAM <= 1,024 B" in err
    # the smallest: cnn width=4, whose RAM the progress line printed
    line = next(ln for ln in r.stdout.splitlines() if "cnn width=4:" in ln)
    ram = line.split("RAM ")[1].split(" B")[0]
    assert f"the smallest, cnn width=4, needs RAM {ram} B" in err
    assert "[teacher" not in r.stdout and len([ln for ln in r.stdout.splitlines() if "[search" in ln]) == 6


@pytest.mark.slow
def test_run_with_a_budget_trains_the_chosen_student_through_to_firmware_within_budget(recipe, tmp_path):
    out = tmp_path / "run"
    r = edgedistill("run", "--recipe", recipe, "--quick", "--target", "stm32f405",
                    "--budget", "ram=4K,flash=64K", "--out", out, check=True)
    doc = json.loads((out / "search.json").read_text())
    rows = {row["name"]: row for row in doc["candidates"]}
    assert len(rows) == 6 and doc["budget"]["ram_bytes"] == 4096
    fit = [n for n, row in rows.items() if row["fits"]]
    assert sorted(fit) == ["cnn width=4", "cnn width=8"]        # the ds-cnns need 4,368 B or more
    for n, row in rows.items():
        assert (row["val_accuracy"] is not None) == (n in fit)
        if n not in fit:
            assert row["dropped"].startswith("over budget: RAM")
    chosen = doc["chosen"]["name"]
    loser = next(n for n in fit if n != chosen)
    # the recipe's student (cnn width=8) fits, so it reaches the final, each finalist with the
    # whole schedule; the other is there too if it won the halving
    assert rows["cnn width=8"]["final_val_accuracy"] is not None
    assert rows[chosen]["final_val_accuracy"] == doc["chosen"]["val_accuracy"]
    if "final_val_accuracy" in rows[loser]:
        assert rows[chosen]["final_val_accuracy"] >= rows[loser]["final_val_accuracy"]
        assert rows[loser]["dropped"].startswith("final: val accuracy") and "final 2/2" in r.stdout
    else:
        assert rows[loser]["dropped"] == "successive halving: lost at rung 0" and "final 2/2" not in r.stdout
    assert "final 1/" in r.stdout
    assert set(doc["pareto"]) == {"instructions", "ram_bytes", "flash_bytes"}
    m = json.loads((out / "metrics.json").read_text())
    assert m["search"]["chosen"]["name"] == chosen and m["search"]["fit"] == 2
    assert f"chose {chosen}" in r.stdout
    # the winner is the student the pipeline trained and put in the firmware, which fits
    assert m["firmware"]["ram_bytes"] <= 4096 and m["firmware"]["flash_bytes"] <= 65536
    assert m["firmware"]["ram_bytes"] == doc["chosen"]["cost"]["ram_bytes"]
    from pipeline import zoo
    built = zoo.build("student", "cnn", (8, 8, 1), 10, **doc["chosen"]["kwargs"])
    assert m["student_float"]["params"] == built.count_params()
    # the distill stage took the final's trained winner rather than training it a second time
    import keras
    import numpy as np
    final, student = (keras.models.load_model(out / f, compile=False) for f in ("search_student.keras", "student.keras"))
    assert all(np.array_equal(a, b) for a, b in zip(final.get_weights(), student.get_weights()))
    # and the report keeps the curves of that training (the final's), one value per epoch
    assert m["training"]["distill"]["val_accuracy"], "the distill stage lost the final's training curves"
    # report.html draws the search's Pareto front, and a browser decodes it
    from tests.report import browser
    if browser.chromium() is not None:
        shown = browser.render(out / "report.html", tmp_path / "browser")
        assert shown.errors == [], shown.errors
        assert shown.images.get("pareto") and all(ok and w > 100 for ok, w, _ in shown.images["pareto"])


def test_a_1d_task_searches_its_own_family(tmp_path):
    """har (100 steps x 6 IMU channels): the 1-D family's candidates, costed at that shape on the
    board, both trained by successive halving; the choice fits."""
    out = tmp_path / "har"
    r = edgedistill("search", "--recipe", "har", "--quick", "--target", "stm32f405",
                    "--budget", "ram=4K,flash=24K", "--out", out, check=True)
    doc = json.loads((out / "search.json").read_text())
    rows = {row["name"]: row for row in doc["candidates"]}
    assert set(rows) == {"cnn1d width=8", "cnn1d kernel=5 width=4"}, rows     # the recipe's student first
    assert all(row["fits"] and row["val_accuracy"] is not None for row in rows.values())
    chosen = doc["chosen"]
    assert chosen["name"] in rows and f"chosen: {chosen['name']}" in r.stdout
    assert chosen["cost"]["ram_bytes"] <= 4096 and chosen["cost"]["flash_bytes"] <= 24 * 1024
    assert rows["cnn1d width=8"]["cost"]["instructions"] > rows["cnn1d kernel=5 width=4"]["cost"]["instructions"]
