"""--budget / [budget]: the accepted forms, every refusal as one exit-2 line naming the form, the
latency estimate's arithmetic and the reasons a cost is over budget."""

import pytest

from pipeline import targets
from pipeline.errors import UserError
from pipeline.search import budget
from tests.conftest import edgedistill


def test_the_documented_form_and_units():
    b = budget.parse("ram=32K,flash=256K,latency_ms=10")
    assert (b.ram, b.flash, b.latency_ms) == (32 * 1024, 256 * 1024, 10.0)
    b = budget.parse(" RAM = 1M , flash=1000")
    assert (b.ram, b.flash, b.latency_ms) == (1048576, 1000, None)
    assert budget.BudgetConfig(ram="48KiB", flash=65536, latency_ms=2).ram == 49152
    assert budget.parse("flash=1.5M").flash == 1572864


@pytest.mark.parametrize("text", ["", "ram", "ram=", "ram=32X", "ram=-1", "ram=0", "rom=32K",
                                  "ram=32K,ram=16K", "latency_ms=0", "latency_ms=fast", "latency_ms=nan",
                                  "ram=32K;flash=1M", "ram=0.3K"])
def test_malformed_strings_are_refused_naming_the_form(text):
    with pytest.raises(UserError) as e:
        budget.parse(text)
    assert "ram=32K,flash=256K,latency_ms=10" in e.value.fix


def test_the_cli_refuses_a_malformed_budget_in_one_line_before_any_work(tmp_path):
    r = edgedistill("run", "--recipe", "digits", "--quick", "--budget", "ram=32X", "--out", tmp_path / "r")
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "ram='32X' is not a size" in r.stderr and "ram=32K,flash=256K,latency_ms=10" in r.stderr
    assert not (tmp_path / "r").exists()


def test_a_recipe_budget_table_is_checked_when_it_loads(tmp_path):
    from pipeline import config
    base = (config.recipes_dir() / "digits.toml").read_text()
    good = tmp_path / "good.toml"
    good.write_text(base.replace("[quick]", '[budget]\nram = "16K"\nlatency_ms = 2\n\n[quick]'))
    assert config.load_recipe(str(good)).budget == budget.BudgetConfig(ram=16384, latency_ms=2.0)
    bad = tmp_path / "bad.toml"
    bad.write_text(base.replace("[quick]", '[budget]\nram = "lots"\n\n[quick]'))
    with pytest.raises(UserError, match="ram='lots' is not a size"):
        config.load_recipe(str(bad))


def test_limits_left_out_take_the_target_part_and_latency_is_instructions_times_cpi_over_clock():
    t = targets.load("stm32f405")
    b = budget.resolve(budget.BudgetConfig(latency_ms=10), t)
    assert (b.ram_bytes, b.flash_bytes) == (196608, 1048576)
    # 168 MHz, 1.5 cycles per instruction: 1,120,000 instructions are 1.68 M cycles, 10 ms
    assert b.latency_of(1_120_000) == pytest.approx(10.0)
    assert b.over({"ram_bytes": 196608, "flash_bytes": 1048576, "instructions": 1_120_000}) == []
    assert b.over({"ram_bytes": 196609, "flash_bytes": 1, "instructions": 1_120_001}) == [
        "RAM 196,609 B > 196,608 B", "latency ~10.00 ms > 10 ms"]
    assert "not measured" in b.as_dict()["latency_estimate"]["cpi_source"]


def test_a_linux_target_has_no_budget_to_search():
    with pytest.raises(UserError, match="rpi4"):
        budget.resolve(budget.BudgetConfig(ram=1000), targets.load("rpi4"))
