"""tfgrader: grades custom-TensorFlow assignments without trusting the student's code."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """``from grader import check`` loads the in-notebook checker (and TensorFlow) only when asked for."""
    if name == "check":
        from grader.notebook import check

        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
