import numpy as np

from pipeline.stages.verify import compare


def test_compare_counts_samples_with_any_differing_output():
    a = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 0, 0]], np.int8)
    b = a.copy()
    b[1, 2] = 7          # 1 LSB off
    b[3, 0] = -3         # 3 LSB off
    r = compare(a, b)
    assert r == {"samples": 4, "bitexact": 0.5, "differing": 2, "max_abs_diff": 3}


def test_compare_handles_int8_extremes_without_overflow():
    a = np.array([[127]], np.int8)
    b = np.array([[-128]], np.int8)
    assert compare(a, b)["max_abs_diff"] == 255


def test_compare_float_outputs_reports_a_float_difference():
    a = np.array([[0.5, 1.0]], np.float32)
    r = compare(a, a + np.float32(0.25))
    assert r["bitexact"] == 0.0 and r["max_abs_diff"] == 0.25 and isinstance(r["max_abs_diff"], float)
