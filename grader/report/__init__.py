"""Builds report data from results and renders it with the templates in ``templates/``."""
