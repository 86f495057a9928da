"""Report figures of the layers: the student's layer output over the reference's.

Drawn only for an exercise that lost points (see grader.judge.figures), on
fixed plotting inputs of their own. A value that cannot be drawn (an object,
the wrong shape) raises `CheckFailed`, which just leaves the figure out.
"""

from statistics import NormalDist

import numpy as np
from _layers import order_by_shape, outputs_tuple

from grader.judge import figure, gradient_values, note_missing, values_of

X = np.linspace(-3.0, 3.0, 121, dtype=np.float32)
COLUMN = X.reshape(-1, 1)  # one sample per point: layers want a batch axis
DENSE_DIRECTION = np.array([1.0, 0.5, -1.0], np.float32)  # MyDense sees the points t * DENSE_DIRECTION
DENSE_KERNEL = np.array([[0.8], [-0.6], [-0.5]], np.float32)
DENSE_BIAS = np.array([0.4], np.float32)
X2 = 1.5  # the second input of MyMultiLayer, fixed
NOISE_STDDEV, NOISE_SEED, NOISE_SHAPE = 0.5, 2024, (50, 40)
PROBABILITIES = np.linspace(0.005, 0.995, 199)
FEATURES = 16
_rng = np.random.default_rng(7)
ROWS = (_rng.normal(size=(4, FEATURES)) * 1.5 + np.array([[3.0], [-1.0], [0.5], [6.0]])).astype(np.float32)
QUIET_ROWS = (_rng.normal(size=(4, FEATURES)) * 0.3 + 2.0).astype(np.float32)  # small variance: epsilon matters


def quantiles(values) -> np.ndarray:
    return np.quantile(np.asarray(values, np.float64), PROBABILITIES)


@figure("exponential_layer", title="exponential_layer() on x, and its gradient")
def figure_exponential_layer(student, reference, plot):
    layer, expected_layer = student.exponential_layer(), reference.exponential_layer()
    plot.curves(X, {"expected": expected_layer(COLUMN), "yours": values_of(layer(COLUMN), X.size)},
                title="exponential_layer()(x)", xlabel="x", ylabel="output")
    yours, missing = gradient_values(layer, COLUMN)
    expected, _ = gradient_values(expected_layer, COLUMN)
    plot.curves(X, {"expected": expected, "yours": yours}, xlabel="x", ylabel="gradient",
                title=note_missing("gradient w.r.t. x", missing))


@figure("MyDense", title="MyDense(1, activation=\"relu\") with fixed weights, along a line of inputs")
def figure_my_dense(student, reference, plot):
    points = X[:, None] * DENSE_DIRECTION
    outputs = {}
    for name, side in (("expected", reference), ("yours", student)):
        layer = side.MyDense(1, activation="relu")
        layer(points)
        call = 'MyDense(1, activation="relu")'
        layer.set_weights(order_by_shape(layer, {DENSE_KERNEL.shape: DENSE_KERNEL, DENSE_BIAS.shape: DENSE_BIAS}, call))
        outputs[name] = values_of(layer(points), X.size)
    plot.curves(X, outputs, title="output at x = t · [1, 0.5, -1]", xlabel="t", ylabel="output")


@figure("MyMultiLayer", title="MyMultiLayer()((x1, 1.5)): its three outputs along x1")
def figure_my_multi_layer(student, reference, plot):
    x2 = np.full_like(COLUMN, X2)
    yours = outputs_tuple(student.MyMultiLayer()((COLUMN, x2)), 3, "MyMultiLayer()((x1, x2))")
    expected = reference.MyMultiLayer()((COLUMN, x2))
    for name, got, want in zip(("x1 + x2", "x1 * x2", "x1 / x2"), yours, expected, strict=True):
        plot.curves(X, {"expected": want, "yours": values_of(got, X.size)}, title=f"output {name} (x2 = {X2:g})",
                    xlabel="x1", ylabel=name)


@figure("MyGaussianNoise", title="MyGaussianNoise(0.5): quantiles of the noise it adds")
def figure_my_gaussian_noise(student, reference, plot):
    """Normal quantile plots of output - input: N(0, 0.5²) noise lies on the line 0.5 · z; no noise is flat at 0.

    A wrong spread changes the slope, one noise per feature draws steps, noise with training=False shows.
    """
    student.module("keras").utils.set_random_seed(NOISE_SEED)
    x = np.full(NOISE_SHAPE, 2.5, np.float32)
    z = np.array([NormalDist().inv_cdf(p) for p in PROBABILITIES])
    layer = student.MyGaussianNoise(NOISE_STDDEV)
    for training, expected in ((True, NOISE_STDDEV * z), (False, np.zeros_like(z))):
        noise = values_of(layer(x, training=training), x.size) - 2.5
        plot.curves(z, {"expected": expected, "yours": quantiles(noise)}, title=f"noise with training={training}",
                    xlabel="standard normal quantile", ylabel="noise quantile")


@figure("MyLayerNormalization", title="MyLayerNormalization: row 0 of a batch of 4, over the feature index")
def figure_my_layer_normalization(student, reference, plot):
    features = np.arange(FEATURES)
    for rows, epsilon in ((ROWS, 0.001), (QUIET_ROWS, 0.1)):
        outputs = {name: values_of(side.MyLayerNormalization(epsilon=epsilon)(rows), rows.size).reshape(rows.shape)[0]
                   for name, side in (("expected", reference), ("yours", student))}
        spread = 1.5 if rows is ROWS else 0.3
        plot.curves(features, outputs, title=f"epsilon={epsilon:g}, inputs of spread {spread:g}",
                    xlabel="feature index", ylabel="output")
