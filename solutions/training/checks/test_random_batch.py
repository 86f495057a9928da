"""Hidden checks of `random_batch(X, y, batch_size=32)`: rows drawn with replacement, same indices for X and y.

Column 0 of X holds the row number and y is a function of X's row, so each returned pair says which row it
came from and whether X and y were taken at the same index.
"""

import numpy as np

from grader.judge import CheckFailed, as_numpy, check, to_array


def labelled_rows(inputs, n: int, feature_shape=(3,), y_shape=()):
    """X[i] holds i in its first entry; y[i] = 3·i + 0.5 (broadcast to y_shape)."""
    X = inputs.normal((n, *feature_shape))
    X.reshape(n, -1)[:, 0] = np.arange(n)
    y = np.broadcast_to((3.0 * np.arange(n) + 0.5).reshape((n,) + (1,) * len(y_shape)), (n, *y_shape))
    return X.astype(np.float32), np.ascontiguousarray(y, np.float32)


def draw(student, X, y, *args, **kwargs):
    """Call random_batch on NumPy arrays and return (X_batch, y_batch, row indices) after basic checks."""
    size = kwargs.get("batch_size", args[0] if args else None)
    call = (f"random_batch(X float32{list(X.shape)}, y float32{list(y.shape)}"
            + (f", {size}" if size is not None else "") + ")")
    result = student.random_batch(as_numpy(X), as_numpy(y), *args, **kwargs)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{call} returned {type(result).__name__}, expected a pair (X_batch, y_batch).")
    X_batch, y_batch = to_array(result[0], call + "[0]"), to_array(result[1], call + "[1]")
    want = size if size is not None else 32
    if X_batch.shape != (want, *X.shape[1:]) or y_batch.shape != (want, *y.shape[1:]):
        raise CheckFailed(f"{call} returned shapes {tuple(X_batch.shape)} and {tuple(y_batch.shape)}, expected "
                          f"{(want, *X.shape[1:])} and {(want, *y.shape[1:])}: one row of X and one of y per draw, "
                          f"batch_size={want} draws.")
    ids = np.asarray(X_batch.reshape(want, -1)[:, 0], np.float64)
    rounded = np.rint(ids).astype(int)
    valid = (np.abs(ids - rounded) < 1e-6) & (rounded >= 0) & (rounded < len(X))
    if not valid.all() or not np.array_equal(X_batch, X[np.clip(rounded, 0, len(X) - 1)]):
        raise CheckFailed(f"{call}: X_batch holds rows that are not rows of X: every row of the batch must be a "
                          "whole row of X (index the first axis).")
    if not np.array_equal(y_batch, y[rounded]):
        raise CheckFailed(f"{call}: y_batch does not hold the y values of the rows in X_batch: draw the indices "
                          "once and use the same indices for X and for y.")
    return X_batch, y_batch, rounded


@check("random_batch", kind="api", points=1)
def test_shapes(student, inputs):
    """Returns (X_batch, y_batch) with batch_size rows; batch_size defaults to 32"""
    X, y = labelled_rows(inputs, 50)
    draw(student, X, y, 8)
    draw(student, X, y)
    X, y = labelled_rows(inputs, 40, feature_shape=(2, 3), y_shape=(1,))
    draw(student, X, y, batch_size=5)


@check("random_batch", kind="value", points=2)
def test_same_rows_for_X_and_y(student, inputs):
    """X_batch holds rows of X and y_batch the y of those same rows"""
    for n, size in [(30, 16), (7, 5), (100, 64)]:
        X, y = labelled_rows(inputs, n, y_shape=(1,) if n == 7 else ())
        for _ in range(3):
            draw(student, X, y, size)


@check("random_batch", kind="value", points=1)
def test_draws_with_replacement(student, inputs):
    """Draws with replacement: a batch larger than X works"""
    X, y = labelled_rows(inputs, 6)
    _, _, ids = draw(student, X, y, 20)
    if len(set(ids.tolist())) == len(ids):  # cannot happen with 20 draws from 6 rows
        raise CheckFailed("random_batch drew 20 distinct rows from 6: draws must be with replacement.")


@check("random_batch", kind="value", points=1)
def test_every_row_can_be_drawn(student, inputs):
    """Draws at random: new rows at each call, and every row of X can come out"""
    X, y = labelled_rows(inputs, 10)
    batches = [draw(student, X, y, 8)[2] for _ in range(30)]
    if all(np.array_equal(b, batches[0]) for b in batches[1:]):
        raise CheckFailed("random_batch(X, y, 8) returned the same rows at each of 30 calls: draw new random "
                          "indices at each call (a generator seeded inside the function repeats itself).")
    counts = np.bincount(np.concatenate(batches), minlength=len(X))
    never = [int(i) for i in np.flatnonzero(counts == 0)]
    if never:
        raise CheckFailed(f"in 30 calls of random_batch(X, y, 8) with 10 rows (240 draws), row(s) {never} never "
                          "came out: draw indices from 0 to len(X) - 1 inclusive (NumPy's randint(n) excludes n "
                          "already; randint(n - 1) misses the last row).")
