"""w2vcnn.machine: the CPU, its measured sgemm peak and the library versions behind a number."""

import functools

import pytest

from w2vcnn import machine


@pytest.fixture
def small_sgemm(monkeypatch):
    """The peak measured on small matrices: the same code, a fraction of the 4 s it takes."""
    monkeypatch.setattr(machine, "sgemm_gflops", functools.partial(machine.sgemm_gflops, n=256))


def test_environment_names_the_libraries_that_made_the_numbers(small_sgemm):
    facts = machine.environment()
    assert facts["cores"] >= 1 and facts["sgemm_1_thread"] > 0
    for name in ("torch", "keras", "gensim", "w2vcnn"):
        assert facts[name] != "not installed", name


def test_sgemm_rate_is_measured_on_the_threads_asked_for(small_sgemm):
    rate = machine.sgemm_gflops(1, repeats=1)
    assert rate > 0
    facts = machine.machine()
    assert set(facts) == {"cpu", "cores", "vector_extensions", "sgemm_1_thread", "sgemm_all_cores"}
    assert facts["sgemm_1_thread"] > 0 and facts["sgemm_all_cores"] > 0
