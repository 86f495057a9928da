"""The one-layer Keras model a loss is compiled into and trained one step with (``loss_in_model``).

Building, compiling and tracing the train step of such a model costs about
90 ms, and the model itself is the same for every submission: only the loss
differs on the student's side, and on the reference's side not even that. So
the reference's backend keeps its compiled models (``reuse=True``) and only
sets the weights and trains on each call: the train step, traced once per
(loss, shapes), is then a few milliseconds. The sandbox never reuses: the
student's loss objects are new in every check, and their code must not see
what an earlier check left in a model.

A reused model gives what a fresh one would: the weights are set before the
step, ``train_on_batch`` resets the loss tracker, and plain SGD keeps no state
between steps (its iteration count moves no update).
"""

from __future__ import annotations

import json
import threading
import types
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np

from grader.runtime import load_tensorflow

_, keras = load_tensorflow()

LEARNING_RATE = 0.01
MAX_MODELS = 32


def loss_key(loss: Any) -> Hashable | None:
    """What makes two losses compute the same thing, or None when that cannot be told.

    A `keras.losses.Loss` is its class and ``get_config()`` but the name (Keras
    numbers unnamed objects, and the name computes nothing); a plain function is
    its code, globals, defaults and the values it closes over (``create_huber(2.0)``
    gives a new closure each time, over the same 2.0). Anything else, or a
    closure over an unhashable value (a tensor, a variable), is never shared.
    """
    try:
        if isinstance(loss, keras.losses.Loss):
            config = {k: v for k, v in loss.get_config().items() if k != "name"}  # "huber_loss_7": a counter
            return ("loss", type(loss), json.dumps(config, sort_keys=True))
        if isinstance(loss, types.FunctionType):
            cells = tuple(cell.cell_contents for cell in loss.__closure__ or ())
            key = ("function", loss.__code__, id(loss.__globals__), loss.__defaults__, cells)
            hash(key)
            return key
    except (TypeError, ValueError):  # unserializable config, unhashable or empty cell
        return None
    return None


class LossModels:
    """Compiles a loss into a Dense model and trains it one step; with ``reuse``, one model per (loss, shapes)."""

    def __init__(self, reuse: bool = False) -> None:
        self.reuse = reuse
        self._models: OrderedDict[Hashable, keras.Model] = OrderedDict()
        self._lock = threading.Lock()  # a cached model is one set of variables: one step at a time

    def train_step(
        self, loss: Any, x: np.ndarray, y: np.ndarray, weights: list[np.ndarray], save_to: str | None = None
    ) -> tuple[float, list[np.ndarray]]:
        """One SGD step from ``weights`` on (x, y): the step's loss (before the update) and the weights after.

        With ``save_to``, the trained model is also saved there as ``.keras``.
        """
        keras.utils.set_random_seed(0)
        key = loss_key(loss) if self.reuse else None
        if key is None:
            return self._step(self._compiled(loss, x, y), x, y, weights, save_to)
        key = (key, x.shape, x.dtype.str, y.shape, y.dtype.str)
        with self._lock:
            model = self._models.pop(key, None) or self._compiled(loss, x, y)
            self._models[key] = model
            while len(self._models) > MAX_MODELS:
                self._models.popitem(last=False)
            return self._step(model, x, y, weights, save_to)

    @staticmethod
    def _step(
        model: keras.Model, x: np.ndarray, y: np.ndarray, weights: list[np.ndarray], save_to: str | None
    ) -> tuple[float, list[np.ndarray]]:
        model.set_weights(weights)
        step_loss = float(model.train_on_batch(x, y))
        if save_to is not None:
            model.save(save_to)
        return step_loss, model.get_weights()

    @staticmethod
    def _compiled(loss: Any, x: np.ndarray, y: np.ndarray) -> keras.Model:
        model = keras.Sequential([keras.Input(shape=tuple(np.shape(x))[1:]), keras.layers.Dense(int(np.shape(y)[-1]))])
        model.compile(loss=loss, optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE))
        return model
