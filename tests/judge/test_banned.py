"""Banned built-ins are found through aliases, inside graded definitions only."""

from grader.judge.banned import find_uses

BANNED = {"keras.losses.Huber", "keras.losses.huber"}


def cells(*sources):
    return [{"label": f"cell {i + 1}", "source": s} for i, s in enumerate(sources)]


def test_found_through_aliases_and_tf_keras():
    uses = find_uses(cells(
        "import tensorflow as tf\nfrom keras.losses import Huber as H\nfrom keras import losses\n",
        "def huber_fn(a, b):\n    return tf.keras.losses.huber(a, b)\n",
        "def create_huber(t):\n    return H(t)\n",
        "class HuberLoss:\n    def call(self, a, b):\n        return losses.Huber()(a, b)\n",
    ), BANNED)
    assert {(u.name, u.cell, u.line) for u in uses} == {
        ("keras.losses.huber", "cell 2", 2),
        ("keras.losses.Huber", "cell 3", 2),
        ("keras.losses.Huber", "cell 4", 3),
    }


def test_comments_strings_and_scratch_cells_do_not_count():
    uses = find_uses(cells(
        "import keras\n# keras.losses.Huber would be too easy\n",
        "def huber_fn(a, b):\n    '''Unlike keras.losses.Huber, element-wise.'''\n    return a - b\n",
        "model.compile(loss=keras.losses.Huber())  # comparing with the built-in\n",
    ), BANNED)
    assert uses == []


def test_scoped_to_the_exercise_and_its_helpers():
    source = cells(
        "import keras\n"
        "def _helper(a, b):\n    return keras.losses.huber(a, b)\n"
        "def huber_fn(a, b):\n    return _helper(a, b)\n"
        "def create_huber(t):\n    return lambda a, b: a - b\n"
    )
    assert [u.line for u in find_uses(source, BANNED, roots={"huber_fn"})] == [3]
    assert find_uses(source, BANNED, roots={"create_huber"}) == []


def test_a_banned_method_is_found_on_any_object():
    source = cells("def train_classifier(X, y, Xv, yv):\n    model = make()\n    model.fit(X, y)\n    return model\n"
                   "def other(m):\n    return m.fit\n")
    assert [(u.name, u.line) for u in find_uses(source, {".fit"}, roots={"train_classifier"})] == [(".fit", 3)]
