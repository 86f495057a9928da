"""The compiled model a loss is trained in: reused on the reference's side, and then exactly as a fresh one."""

import importlib.util

import numpy as np
import pytest

from grader.runtime import load_tensorflow
from grader.sandbox.loss_models import LossModels, loss_key

tf, keras = load_tensorflow()


@pytest.fixture(scope="module")
def solution(losses):
    """The reference solution of `losses`, imported: its HuberLoss and create_huber."""
    spec = importlib.util.spec_from_file_location("losses_solution", losses.solution_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def batch(seed, rows=32):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)).astype(np.float32)
    y = (4 * rng.normal(size=(rows, 1))).astype(np.float32)
    return x, y, [rng.normal(size=(3, 1)).astype(np.float32), np.zeros((1,), np.float32)]


def test_equal_losses_share_a_key_and_different_ones_do_not(solution):
    Huber, create_huber = solution.HuberLoss, solution.create_huber
    assert loss_key(Huber(2.0)) == loss_key(Huber(2.0)) != loss_key(Huber(1.0))
    assert loss_key(create_huber(2.0)) == loss_key(create_huber(2.0)) != loss_key(create_huber(1.5))
    assert loss_key(create_huber(2.0)) != loss_key(Huber(2.0))
    threshold = tf.Variable(2.0)
    assert loss_key(lambda y_true, y_pred: threshold * (y_true - y_pred)) is None  # over a variable: never shared
    assert loss_key(object()) is None


@pytest.mark.parametrize("make_loss", [lambda s: s.HuberLoss(2.0), lambda s: s.create_huber(2.0), lambda s: "mse"],
                         ids=["Loss subclass", "closure", "built-in name"])
def test_a_reused_model_trains_exactly_as_a_fresh_one(solution, make_loss):
    fresh, reused = LossModels(reuse=False), LossModels(reuse=True)
    for seed in range(4):
        x, y, weights = batch(seed)
        loss_a, weights_a = fresh.train_step(make_loss(solution), x, y, weights)
        loss_b, weights_b = reused.train_step(make_loss(solution), x, y, weights)
        assert loss_a == loss_b
        for a, b in zip(weights_a, weights_b, strict=True):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(weights_b[0], weights[0])  # it did train


def test_one_model_per_loss_and_shapes(solution):
    Huber = solution.HuberLoss
    models = LossModels(reuse=True)
    x, y, weights = batch(0)
    models.train_step(Huber(2.0), x, y, weights)
    models.train_step(Huber(2.0), *batch(1))
    assert len(models._models) == 1
    models.train_step(Huber(1.0), x, y, weights)
    models.train_step(Huber(2.0), *batch(2, rows=16))
    assert len(models._models) == 3
    assert not LossModels(reuse=False)._models


def test_a_saved_reused_model_reloads_with_its_loss(solution, tmp_path):
    Huber = solution.HuberLoss
    models = LossModels(reuse=True)
    for seed in range(2):
        x, y, weights = batch(seed)
        path = str(tmp_path / f"m{seed}.keras")
        _, trained = models.train_step(Huber(2.0), x, y, weights, save_to=path)
        reloaded = keras.saving.load_model(path, custom_objects={"HuberLoss": Huber})
        assert reloaded.loss.threshold == 2.0
        for a, b in zip(reloaded.get_weights(), trained, strict=True):
            np.testing.assert_array_equal(a, b)
