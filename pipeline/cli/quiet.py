"""Import TensorFlow without its start-up chatter (CUDA probing, oneDNN notes) on the user's terminal.

TF's C++ logging writes to fd 2 before absl logging is configured, so TF_CPP_MIN_LOG_LEVEL alone
does not silence it. fd 2 is pointed at /dev/null only while TF loads and probes devices; errors
raised later still reach the terminal.
"""

import os


def import_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf
        tf.config.list_physical_devices()   # the CUDA probe logs here, once
        import keras  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tf
