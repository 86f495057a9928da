"""Renders reports with jinja2 (autoescape on) and writes them atomically."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path

import jinja2

_UMASK = os.umask(0o022)
os.umask(_UMASK)
TEMPLATES = Path(__file__).resolve().parent / "templates"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; base-uri 'none'; form-action 'none'"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # everything, whatever the file name: student text reaches every template
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["csp"] = CSP
    env.globals["csp_with_script"] = CSP.replace("script-src 'none'", "script-src 'self'")  # no inline script
    return env


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide reports from the web server that serves them
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:  # the text is written as given: CSV keeps its "\n"
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def render(template: str, context: dict) -> str:
    return environment().get_template(template).render(**context)
