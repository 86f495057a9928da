"""How TensorFlow is configured: oneDNN off by default, and a sandbox's TF runs as the judge's does."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader.judge.proxy import Namespace, SandboxBackend
from grader.sandbox.client import Session, Zygote

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASK_TF = """
from grader.runtime import onednn_setting, configure_tensorflow
configure_tensorflow()
before = onednn_setting()  # read from the environment, as TensorFlow will
import tensorflow
from tensorflow.python.util import _pywrap_util_port
print(before, _pywrap_util_port.IsMklEnabled(), onednn_setting())
"""
PROBE = """
from tensorflow.python.util import _pywrap_util_port

def onednn():
    return bool(_pywrap_util_port.IsMklEnabled())
"""


def tensorflow_in_a_fresh_process(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    done = subprocess.run([sys.executable, "-c", ASK_TF], env={**clean, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_onednn_is_off_unless_the_environment_turns_it_on():
    assert tensorflow_in_a_fresh_process() == "0 False 0"
    assert tensorflow_in_a_fresh_process(TF_ENABLE_ONEDNN_OPTS="1") == "1 True 1"
    assert tensorflow_in_a_fresh_process(TF_ENABLE_ONEDNN_OPTS="False") == "0 False 0"


def sandbox_onednn(zygote: Zygote) -> bool:
    session = Session(zygote, [{"label": "cell 1", "source": PROBE}], [])
    try:
        assert not session.load().get("failure")
        return Namespace(SandboxBackend(session, timeout=10)).onednn()
    finally:
        session.close()


def test_a_sandbox_runs_tensorflow_with_the_judges_onednn_setting(zygote):
    from tensorflow.python.util import _pywrap_util_port

    assert sandbox_onednn(zygote) is bool(_pywrap_util_port.IsMklEnabled())


@pytest.mark.parametrize("judge_says", ["0", "1"])
def test_the_zygote_follows_the_judge_not_its_own_default(monkeypatch, judge_says):
    monkeypatch.setattr("grader.sandbox.client.onednn_setting", lambda: judge_says)
    zygote = Zygote(warm_up=False)
    try:
        assert sandbox_onednn(zygote) is (judge_says == "1")
    finally:
        zygote.close()
