"""Raw loaders: each returns (x_train, y_train, x_test, y_test) or (x, y) with y as int labels.

A loader reads only local files or package data; nothing downloads (air-gapped build machines).
"""

from pipeline.data.sources import idx, sklearn_digits

LOADERS = {"idx": idx.load, "sklearn-digits": sklearn_digits.load}
