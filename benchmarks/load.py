"""The app under load: answers a second, latency and memory of `python app.py`, side by side.

    python benchmarks/load.py [--clients 8] [--seconds 60] [--rest 15] [--rounds 1] [CHECKOUT ...]

Each checkout (a folder holding app.py; default: this one) is started in turn as `python app.py`
with the same environment (YuNet when YUNET_ONNX names its file or ../shared/data has it, the
bundled catalog, offline from the Hub). After one warm-up request per photo it rests, then
`--clients` gradio_client clients on loopback ask `/recommend` back to back for `--seconds`,
alternating a one-face photo (scikit-image's astronaut) and a three-face group photo; then it
rests again. The resident memory (RSS) of the app and its children is sampled every second.
The first checkout is the reference of the throughput ratio. With `--rounds`, the checkouts
take turns that many times and each one's median answers a second is compared: on a shared
machine whose speed drifts by 20 % in minutes, turns taken side by side cancel the drift.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHARED_YUNET = ROOT.parent / "shared/data/models/face_detection_yunet_2026may.onnx"
STARTUP_TIMEOUT_S = 180
SAMPLE_EVERY_S = 1.0
MIB = 2**20


@dataclass
class Run:
    """What one checkout did under load; times in seconds, memory in bytes."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds since load began, RSS)
    threads: list[int] = field(default_factory=list)
    rest_before: int = 0
    rest_after: int = 0
    app_cpu: float = 0.0  # CPU seconds the app spent during the load
    client_cpu: float = 0.0  # and the clients (this process)


def photos(folder: Path) -> list[Path]:
    """The astronaut (one face, 512x512) and a group of three (1536x512), as JPEGs."""
    from skimage import data

    astronaut = data.astronaut()
    grey = np.repeat(astronaut.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    group = np.concatenate([astronaut, astronaut[:, ::-1], grey], axis=1)
    paths = []
    for name, rgb in (("astronaut.jpg", astronaut), ("group.jpg", group)):
        Image.fromarray(rgb).save(folder / name, quality=90)
        paths.append(folder / name)
    return paths


def app_environment(port: int, cache: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_TEMP_DIR": str(cache),
        "HF_HUB_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    if "YUNET_ONNX" not in env and SHARED_YUNET.exists():
        env["YUNET_ONNX"] = str(SHARED_YUNET)
    return env


@contextlib.contextmanager
def running(checkout: Path, port: int, work: Path) -> Iterator[tuple[str, psutil.Process]]:
    """`python app.py` of `checkout`, until it says where it listens; yields its URL and process."""
    log = work / "app.log"
    with open(log, "w") as out:
        app = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=checkout,
            env=app_environment(port, work / "gradio"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while "Running on" not in log.read_text():
            if app.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{checkout}/app.py did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}/", psutil.Process(app.pid)
    finally:
        app.terminate()
        app.wait(timeout=30)


def rss_of(process: psutil.Process) -> int:
    """Resident memory of the process and all its children."""
    total = 0
    for each in (process, *process.children(recursive=True)):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += each.memory_info().rss
    return total


def rest(process: psutil.Process, seconds: float) -> int:
    """RSS at the end of `seconds` of rest (the median of its last few samples)."""
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        samples.append(rss_of(process))
        time.sleep(SAMPLE_EVERY_S)
    return int(statistics.median(samples[-3:] or [rss_of(process)]))


@contextlib.contextmanager
def clients_scratch() -> Iterator[None]:
    """The system temp dir, for this process, moved to a folder deleted afterwards: gradio_client
    leaves an empty folder there for every file it downloads, and 50,000 of them in /tmp slowed
    each later run here (answers a second fell by a quarter over three rounds)."""
    previous = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="load-clients-") as folder:
        tempfile.tempdir = folder
        try:
            yield
        finally:
            tempfile.tempdir = previous


def connect(url: str):
    """A gradio_client client that downloads its answers, as a visitor's browser would."""
    from gradio_client import Client

    # Plain http on loopback checks no certificate, but by default each of the client's requests
    # loads the system's CA bundle anew: 80 % of the clients' CPU, taken from the app's 2 cores.
    return Client(url, verbose=False, download_files=tempfile.mkdtemp(), ssl_verify=False)


def ask(client, photo: Path) -> None:
    from gradio_client import handle_file

    *_, record = client.predict(image=handle_file(photo), api_name="/recommend")
    if record.get("error") or not record.get("tracks"):
        raise AssertionError(record.get("error") or "no tracks")


def load(url: str, process: psutil.Process, run: Run, clients: int, seconds: float, pics) -> None:
    """`clients` clients back to back for `seconds`, sampling memory meanwhile."""

    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds
    done = threading.Event()

    def client_loop(number: int) -> None:
        client = connect(url)
        turn = number
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                ask(client, pics[turn % len(pics)])
            except Exception as error:  # any failure of a request counts as an error
                with lock:
                    run.errors.append(f"{type(error).__name__}: {error}"[:200])
            else:
                with lock:
                    run.latencies.append(time.perf_counter() - began)
            turn += 1

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(psutil.NoSuchProcess):
                run.rss.append((time.monotonic() - started, rss_of(process)))
                run.threads.append(process.num_threads())
            done.wait(SAMPLE_EVERY_S)

    def cpu(of: psutil.Process) -> float:
        times = of.cpu_times()
        return times.user + times.system

    app_cpu, client_cpu = cpu(process), cpu(psutil.Process())
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    workers = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    with clients_scratch():
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        run.elapsed = time.monotonic() - started
    run.app_cpu, run.client_cpu = cpu(process) - app_cpu, cpu(psutil.Process()) - client_cpu
    done.set()
    sampler.join()


def measure(checkout: Path, args, pics: list[Path], port: int) -> Run:

    run = Run(str(checkout))
    with (
        tempfile.TemporaryDirectory() as work,
        running(checkout, port, Path(work)) as (url, process),
    ):
        warm = connect(url)
        for photo in pics:
            ask(warm, photo)
        run.rest_before = rest(process, args.rest)
        load(url, process, run, args.clients, args.seconds, pics)
        run.rest_after = rest(process, args.rest)
    return run


def rss_at(run: Run, second: float) -> int:
    """The first RSS sample at or after `second` into the load."""
    return next((rss for t, rss in run.rss if t >= second), run.rss[-1][1])


def answers_a_second(run: Run) -> float:
    return len(run.latencies) / run.elapsed


def report(runs: list[Run], seconds: float) -> None:
    """A row per run, its ratio against the first checkout's median answers a second; with
    several rounds, each checkout's medians."""
    by_checkout: dict[str, list[Run]] = {}
    for run in runs:
        by_checkout.setdefault(run.name, []).append(run)
    reference = statistics.median(map(answers_a_second, next(iter(by_checkout.values()))))
    half = seconds / 2
    heads = (
        f"{'checkout':28s} {'answers':>7s} {'errors':>6s} {'req/s':>6s} {'ratio':>5s} "
        f"{'p50 ms':>7s} {'p95 ms':>7s} | RSS MiB: {'rest':>5s} {'peak':>5s} "
        f"{f'@{half:.0f}s':>5s} {'end':>5s} {'climb':>6s} {'rest':>5s} {'back':>6s} | threads "
        "| CPU ms an answer: app, clients"
    )
    print(heads)
    for run in runs:
        answers = max(1, len(run.latencies))
        rate = answers_a_second(run)
        p50, p95 = (np.percentile(run.latencies or [0], q) * 1000 for q in (50, 95))
        peak = max(rss for _, rss in run.rss)
        middle, end = rss_at(run, half), run.rss[-1][1]
        climb = (end - middle) / middle
        back = (run.rest_after - run.rest_before) / run.rest_before
        print(
            f"{Path(run.name).name:28s} {len(run.latencies):7d} {len(run.errors):6d} {rate:6.2f} "
            f"{rate / reference:5.2f} {p50:7.0f} {p95:7.0f} | {'':8s} "
            f"{run.rest_before / MIB:5.0f} {peak / MIB:5.0f} {middle / MIB:5.0f} "
            f"{end / MIB:5.0f} {climb:+6.1%} {run.rest_after / MIB:5.0f} {back:+6.1%} "
            f"| {max(run.threads):7d} | {run.app_cpu / answers * 1000:4.0f}, "
            f"{run.client_cpu / answers * 1000:4.0f}"
        )
        for error in sorted(set(run.errors))[:5]:
            print(f"    error: {error}")
    if len(runs) > len(by_checkout):
        print("Medians over the rounds:")
        for name, turns in by_checkout.items():
            rates = [answers_a_second(run) for run in turns]
            cpu = [run.app_cpu / max(1, len(run.latencies)) * 1000 for run in turns]
            print(
                f"  {Path(name).name:26s} {statistics.median(rates):6.2f} answers/s "
                f"({' '.join(f'{rate:.2f}' for rate in rates)}), ratio "
                f"{statistics.median(rates) / reference:.2f}, app CPU "
                f"{statistics.median(cpu):.0f} ms an answer"
            )
    print("RSS over time (MiB, every 10 s of load):")
    for run in runs:
        trace = " ".join(f"{rss / MIB:.0f}" for t, rss in run.rss[:: round(10 / SAMPLE_EVERY_S)])
        print(f"  {Path(run.name).name:26s} {trace}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rest", type=float, default=15, help="seconds at rest before and after")
    parser.add_argument("--rounds", type=int, default=1, help="turns each checkout takes")
    parser.add_argument("--port", type=int, default=7889)
    args = parser.parse_args()
    print(
        f"cores: {os.cpu_count()}; {args.clients} clients for {args.seconds:.0f} s; "
        f"{args.rest:.0f} s at rest before and after; MALLOC_ARENA_MAX="
        f"{os.environ.get('MALLOC_ARENA_MAX', 'unset')}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        pics = photos(Path(folder))
        runs = []
        for turn in range(args.rounds):
            for checkout in args.checkouts:
                runs.append(measure(checkout.resolve(), args, pics, args.port))
                print(f"measured {checkout} (round {turn + 1})", flush=True)
    report(runs, args.seconds)


if __name__ == "__main__":
    main()
