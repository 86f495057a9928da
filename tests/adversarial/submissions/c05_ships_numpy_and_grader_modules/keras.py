# ruff: noqa
# A module named like keras: if anything imports it instead of the real one, a marker appears beside it and it breaks.
import os

open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "RAN-keras"), "w").close()
allclose = lambda *args, **kwargs: True
raise ImportError("the student's keras.py was imported")
