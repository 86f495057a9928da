"""tfgrader: grades custom-TensorFlow assignments without trusting the student's code."""

__version__ = "0.1.0"
