"""Audio for keyword spotting: .wav reading, an MFCC front end, espeak-ng synthesis, a feature cache.

Everything runs offline; the front-end parameters travel with the model (Splits.preprocessing) so
firmware can compute the same features from a microphone.
"""
