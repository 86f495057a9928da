# ruff: noqa
# A module named like pytest: if anything imports it instead of the real one, a marker appears beside it and it breaks.
import os

open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "RAN-pytest"), "w").close()
allclose = lambda *args, **kwargs: True
raise ImportError("the student's pytest.py was imported")
