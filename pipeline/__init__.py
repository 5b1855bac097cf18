"""edgedistill: Keras teacher + data -> small int8 model verified on the device's runtime."""

__version__ = "0.1.0"
