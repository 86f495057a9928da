"""The loader runs definitions only, reports what it skipped, survives broken cells."""

import types

from grader.sandbox.loader import Cell, load_cells, new_module


def load(*sources: str, wanted=("huber_fn",)):
    module = new_module("test_submission")
    cells = [Cell(f"cell {i + 1}", s) for i, s in enumerate(sources)]
    return module, load_cells(cells, module, set(wanted))


def test_definitions_run_and_the_rest_is_skipped():
    module, report = load(
        "import math\nTHRESHOLD = 1.5\nsquare = lambda x: x * x\n",
        "def huber_fn(a, b):\n    return a - b\nprint('training for hours')\nfor i in range(10**12):\n    pass\n",
        "history = model.fit(X, y)\n",
    )
    assert module.huber_fn(3, 1) == 2 and module.THRESHOLD == 1.5 and module.square(3) == 9
    skipped = {(s["cell"], s["line"], s["what"]) for s in report.skipped}
    assert skipped == {
        ("cell 2", 3, "expression or call"),
        ("cell 2", 4, "loop"),
        ("cell 3", 1, "assignment that calls code"),
    }
    assert report.errors == []


def test_a_broken_cell_costs_only_itself():
    module, report = load(
        "def helper():\n    return 1\n",
        "def broken(:\n",
        "import not_a_module_anywhere\n",
        "def huber_fn(a, b):\n    return helper() + a - b\n",
    )
    assert module.huber_fn(1, 1) == 1
    errors = [(e["cell"], e["line"], e["type"]) for e in report.errors]
    assert errors == [("cell 2", 1, "SyntaxError"), ("cell 3", 1, "ModuleNotFoundError")]


def test_last_definition_wins_and_wanted_assignments_run():
    module, _ = load(
        "def huber_fn(a, b):\n    return 'first'\n",
        "def huber_fn(a, b):\n    return 'second'\n",
        "huber_fn = (lambda f: f)(huber_fn)\n",
    )
    assert module.huber_fn(0, 0) == "second"


def test_exit_and_keyboard_interrupt_at_import_are_reported_not_fatal():
    module, report = load(
        "import sys\nclass A:\n    sys.exit(3)\n",
        "class B:\n    raise KeyboardInterrupt\n",
        "def huber_fn(a, b):\n    return 0\n",
    )
    assert isinstance(module, types.ModuleType) and module.huber_fn(1, 2) == 0
    assert [e["type"] for e in report.errors] == ["SystemExit", "KeyboardInterrupt"]


def test_a_syntax_error_loses_only_its_own_block():
    module, report = load(
        "import math\n\ndef huber_fn(a, b):\n    return a - b\n\ndef broken(:\n    pass\n\nclass Later:\n    x = 1\n"
    )
    assert module.huber_fn(2, 1) == 1 and module.Later.x == 1 and not hasattr(module, "broken")
    assert [(e["line"], e["type"]) for e in report.errors] == [(6, "SyntaxError")]


def test_code_that_parses_but_does_not_compile_is_reported_and_loading_goes_on():
    module, report = load("class HuberLoss:\n    def call(self):\n        pass\n    return 1\n",
                          "def huber_fn(a, b):\n    return 0\n")
    assert module.huber_fn(1, 1) == 0
    assert [(e["cell"], e["type"]) for e in report.errors] == [("cell 1", "SyntaxError")]


def test_an_assignment_that_needs_skipped_code_is_skipped_not_an_error():
    module, report = load("X_train = load_data()\ninput_shape = X_train.shape[1:]\n")
    assert report.errors == []
    assert [s["what"] for s in report.skipped] == ["assignment that calls code", "assignment that depends on skipped code"]


def test_a_module_level_random_generator_is_created():
    module, report = load("import numpy as np\nrng = np.random.default_rng(42)\nmodel = build_model()\n")
    assert module.rng.integers(10) in range(10)
    assert [s["line"] for s in report.skipped] == [3]
