# ruff: noqa
# A module named like tensorflow: if anything imports it instead of the real one, a marker appears beside it and it breaks.
import os

open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "RAN-tensorflow"), "w").close()
allclose = lambda *args, **kwargs: True
raise ImportError("the student's tensorflow.py was imported")
