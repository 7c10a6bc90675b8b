"""Reading a 1 MB template: what it costs, and whether the hook answers in time at 128 MB.

1. Parse cost per MB of template (tools/template_corpus.py: resources with IAM policies, intrinsics in short
   form in the YAML), each in a fresh process: CPU seconds, the Python heap's peak (tracemalloc) and the
   process's peak RSS growth (VmHWM). Rows: preflight.template.parse (JSON; YAML with libyaml; YAML with
   PyYAML's pure-Python parser, the fallback), PyYAML's SafeLoader as the template used to be read, and
   the densest document measured (a list of empty objects), which sets template.PARSE_PEAK_MIB_PER_MB.
2. Through the hook: the packaged zip under awslambdaric (sim.lambda_runtime), a STACK hook request whose
   payload URL a local HTTPS server answers with the 1 MB template, the process given a full CPU and
   Lambda's 128 MB share (SIGSTOP/SIGCONT, tools/bench_throttled.CpuShare); a fresh execution environment
   for each row, the Init phase not counted. The zip bundles PyYAML built for python3.13, whose libyaml this
   machine's Python cannot load, so the libyaml rows overlay this machine's PyYAML build on the task folder
   (as Lambda's python3.13 loads the zip's own); the pure-Python row runs the zip as it is.

Figures for docs/performance.md; nothing here asserts. `python -m tools.bench_template`.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
SHARES = (1.0, 128 / 1769)

_PARSE = """
import json, sys, time, tracemalloc
def hwm():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
kind, path = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
import yaml
from preflight import template, yamlstream
if kind == "pure":
    yamlstream._Parser = yaml.SafeLoader
class Before(yaml.SafeLoader):  # how templates were read before: SafeLoader, short forms by a multi-constructor
    pass
Before.add_multi_constructor("!", lambda loader, suffix, node: {suffix: loader.construct_scalar(node)
    if isinstance(node, yaml.ScalarNode) else loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.SequenceNode) else loader.construct_mapping(node, deep=True)})
read = {"safeloader": lambda t: yaml.load(t, Loader=Before)}.get(kind, template.parse)  # noqa: S506
read('{"warm": "up"}')
base = hwm()
started = time.process_time()
document = read(text)
cpu = time.process_time() - started
rss = hwm() - base
del document
tracemalloc.start()
document = read(text)
peak = tracemalloc.get_traced_memory()[1] / 2**20
print(json.dumps({"cpu_s": cpu, "heap_peak_mib": peak, "rss_growth_mib": rss, "size": len(text.encode())}))
"""


@dataclass(frozen=True)
class ParseCost:
    label: str
    size_mb: float
    cpu_s_per_mb: float
    heap_peak_mib_per_mb: float
    rss_growth_mib_per_mb: float


@dataclass(frozen=True)
class HookAnswer:
    label: str
    share: float
    answered_s: float | None  # from the function taking the event to its answer
    status: str
    template_check: str
    peak_rss_mib: float | None


def corpus(folder: Path) -> dict[str, Path]:
    from tools.template_corpus import json_template, yaml_template

    texts = {"json": json_template(MB), "yaml": yaml_template(MB),
             "dense": '{"Resources": {}, "Dense": [' + ",".join(["{}"] * (MB // 3 - 20)) + "]}"}
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / f"template-{name}.txt"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def parse_costs(paths: dict[str, Path]) -> list[ParseCost]:
    rows = [("JSON, preflight.template.parse", "parse", "json"),
            ("YAML, preflight.template.parse (libyaml)", "parse", "yaml"),
            ("YAML, preflight.template.parse (pure-Python parser)", "pure", "yaml"),
            ("JSON, PyYAML SafeLoader (before)", "safeloader", "json"),
            ("YAML, PyYAML SafeLoader (before)", "safeloader", "yaml"),
            ("densest: a list of empty objects (JSON)", "parse", "dense")]
    costs = []
    for label, kind, name in rows:
        out = subprocess.run([sys.executable, "-c", _PARSE, kind, str(paths[name])], capture_output=True, text=True,
                             check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
        figures = json.loads(out)
        size = figures["size"] / MB
        costs.append(ParseCost(label, size, figures["cpu_s"] / size, figures["heap_peak_mib"] / size,
                               figures["rss_growth_mib"] / size))
    return costs


def _peak_rss_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")) / 1024


def _task_folders(work: Path) -> tuple[Path, Path]:
    """The packaged zip unpacked as it is, and the same with this machine's PyYAML build (libyaml) over it."""
    import yaml

    from tools import package

    plain, native = work / "task", work / "task-libyaml"
    for folder in (plain, native):
        with zipfile.ZipFile(package.cached_build()) as zf:
            zf.extractall(folder)
    if yaml.__with_libyaml__:
        site = Path(yaml.__file__).resolve().parent.parent
        for name in ("yaml", "_yaml"):
            shutil.rmtree(native / name, ignore_errors=True)
            shutil.copytree(site / name, native / name, ignore=shutil.ignore_patterns("__pycache__"))
    return plain, native


def hook_answers(paths: dict[str, Path]) -> list[HookAnswer]:
    from sim.account import make_compliant
    from sim.cloudformation import start_response_server
    from sim.lambda_runtime import LambdaFunction
    from sim.moto_server import client_environment, start_moto_server
    from tools import lambda_runtime
    from tools.bench_throttled import CpuShare

    work = Path(tempfile.mkdtemp(prefix="preflight-template-"))
    moto, endpoint = start_moto_server()
    saved = dict(os.environ)
    os.environ.update(client_environment(endpoint))
    payloads = start_response_server(str(work))
    plain, native = _task_folders(work)
    runtime = lambda_runtime.build()
    make_compliant()
    request = json.loads((ROOT / "tests" / "events" / "hook-stack-create.json").read_text())
    scenarios = [("1 MB JSON template", native, "json"), ("1 MB YAML template, libyaml", native, "yaml"),
                 ("1 MB YAML template, pure-Python parser", plain, "yaml")]
    answers = []
    try:
        for label, task, name in scenarios:
            url = payloads.serve(name, {"template": paths[name].read_text(encoding="utf-8")})
            for share in SHARES:
                with LambdaFunction(task, runtime) as function:
                    with CpuShare(function.process.pid, share):
                        invocation = function.invoke({**request, "requestData": {**request["requestData"],
                                                                                 "payload": url}}, 30.0)
                        finished = time.monotonic()
                    peak = _peak_rss_mib(function.process.pid)
                answers.append(_answer(label, share, invocation, finished, peak))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        payloads.close()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)
    return answers


def _answer(label: str, share: float, invocation, finished: float, peak: float | None) -> HookAnswer:  # type: ignore[no-untyped-def]
    outcome = invocation.outcome
    if outcome is None or invocation.dispatched_at is None or not isinstance(outcome.body, dict):
        return HookAnswer(label, share, None, "no answer", "", peak)
    body = outcome.body
    checks = [a for a in body.get("annotations", []) if a["annotationName"] == "template-iam-actions-exist"]
    check = f"{checks[0]['status']}: {checks[0]['statusMessage'][:90]}" if checks else body.get("message", "")[:90]
    return HookAnswer(label, share, finished - invocation.dispatched_at, body.get("hookStatus", "?"), check, peak)


def print_costs(costs: list[ParseCost]) -> None:
    print("reading a template, per MB of its text (fresh process each, full CPU):")
    for c in costs:
        print(f"  {c.label:<52} CPU {c.cpu_s_per_mb:6.3f} s  heap peak {c.heap_peak_mib_per_mb:5.1f} MiB  "
              f"RSS growth {c.rss_growth_mib_per_mb:5.1f} MiB")


def print_answers(answers: list[HookAnswer]) -> None:
    from preflight.cloudformation.hook import HOOK_BUDGET_S

    print(f"the hook with a 1 MB template (packaged zip under awslambdaric; budget {HOOK_BUDGET_S:.0f} s):")
    for a in answers:
        share = f"{a.share * 100:5.1f}% CPU" + (" (128 MB)" if a.share < 0.1 else "")
        took = "NO ANSWER" if a.answered_s is None else f"answered {a.status:<7} in {a.answered_s:6.2f} s"
        peak = f"peak RSS {a.peak_rss_mib:4.0f} MiB" if a.peak_rss_mib else ""
        print(f"  {a.label:<40} {share:<17} {took}  {peak}  template check {a.template_check}")


def measure() -> tuple[list[ParseCost], list[HookAnswer]]:
    folder = Path(tempfile.mkdtemp(prefix="preflight-corpus-"))
    try:
        paths = corpus(folder)
        return parse_costs(paths), hook_answers(paths)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def print_figures(figures: tuple[list[ParseCost], list[HookAnswer]]) -> None:
    print_costs(figures[0])
    print_answers(figures[1])


if __name__ == "__main__":
    from sim.environment import use_simulated_aws

    use_simulated_aws("bench")
    print_figures(measure())
