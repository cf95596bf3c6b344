"""w2vcnn.machine: the CPU, its measured sgemm peak and the library versions behind a number."""

from w2vcnn import machine


def test_environment_names_the_libraries_that_made_the_numbers():
    facts = machine.environment()
    assert facts["cores"] >= 1 and facts["sgemm_1_thread"] > 0
    for name in ("torch", "keras", "gensim", "w2vcnn"):
        assert facts[name] != "not installed", name


def test_sgemm_rate_is_measured_on_the_threads_asked_for():
    rate = machine.sgemm_gflops(1, n=256, repeats=1)
    assert rate > 0
    facts = machine.machine()
    assert set(facts) == {"cpu", "cores", "vector_extensions", "sgemm_1_thread", "sgemm_all_cores"}
