"""Builds report data from results and renders it with the jinja2 templates in ``templates/`` beside it."""
