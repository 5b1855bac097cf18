"""Pareto fronts: hand-checkable points."""

from pipeline.search.front import front, fronts


def test_a_dominated_point_is_off_the_front():
    pts = [("a", 0.80, 100), ("b", 0.85, 200), ("c", 0.84, 300), ("d", 0.90, 400), ("e", 0.80, 150)]
    # c: b is more accurate and cheaper; e: a is as accurate and cheaper
    assert front(pts) == ["a", "b", "d"]


def test_equal_points_both_stay_and_untrained_candidates_are_left_out():
    assert front([("a", 0.5, 10), ("b", 0.5, 10)]) == ["a", "b"]
    rows = [{"name": "a", "val_accuracy": 0.7, "cost": {"instructions": 5, "ram_bytes": 9, "flash_bytes": 1}},
            {"name": "b", "val_accuracy": 0.8, "cost": {"instructions": 9, "ram_bytes": 5, "flash_bytes": 1}},
            {"name": "x", "val_accuracy": None, "cost": {"instructions": 1, "ram_bytes": 1, "flash_bytes": 1}}]
    assert fronts(rows) == {"instructions": ["a", "b"], "ram_bytes": ["b"], "flash_bytes": ["b"]}
