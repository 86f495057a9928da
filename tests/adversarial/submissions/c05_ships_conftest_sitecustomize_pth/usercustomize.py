# ruff: noqa
# Imported at interpreter start-up if it were on sys.path: marks that it ran and makes numpy agree with anything.
import os

open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "RAN-usercustomize"), "w").close()
import numpy

numpy.allclose = lambda *args, **kwargs: True
