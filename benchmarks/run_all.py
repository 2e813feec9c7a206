"""Run every workload (W1-W9) and print one combined table.

Each workload script runs in its own fresh process (``sys.executable``), one after
another, so that one workload's JIT caches, thread pools and memory do not affect
the next; within a workload all implementations run in that one process and the
ratios compare numbers measured side by side.  Each script writes its results to a
temporary JSON file; this script streams their progress and then prints the table.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run_all.py [--quick]
        [--threads N] [--only numpy,numba,functrans,jax,torch] [--workloads w1,w4]

Exit status 1 if any non-functrans implementation failed or computed a wrong result
(functrans is incomplete; its failures are shown as n/a).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import _harness as H

WORKLOADS = (
    ("w1", "w1_mlp.py"),
    ("w2", "w2_elementwise_grad.py"),
    ("w3", "w3_hessian.py"),
    ("w4", "w4_call_overhead.py"),
    ("w5", "w5_first_call.py"),
    ("w6", "w6_per_example.py"),
    ("w7", "w7_cnn.py"),
    ("w8", "w8_attention.py"),
    ("w9", "w9_scan_rnn.py"),
)


def main() -> int:
    parser = H.make_parser(__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="",
                        help="comma-separated subset: " + ",".join(k for k, _ in WORKLOADS))
    args = H.setup(__doc__.splitlines()[0], parser=parser)
    chosen = {w.strip().lower() for w in args.workloads.split(",") if w.strip()}
    forwarded = ["--threads", str(H.THREADS)] + (["--quick"] if args.quick else []) + \
        (["--only", args.only] if args.only else [])

    cases, status, t_start = [], 0, time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="functrans-bench-") as tmp:
        for key, script in WORKLOADS:
            if chosen and key not in chosen:
                continue
            out = os.path.join(tmp, key + ".json")
            print(f"=== {script}", flush=True)
            cmd = [sys.executable, os.path.join(H.BENCH_DIR, script), "--json", out, "--no-table"] + forwarded
            rc = subprocess.run(cmd, env=H.env_for_threads(dict(os.environ))).returncode
            if os.path.exists(out):
                cases += H.cases_from_json(out)[1]
            if rc != 0:
                print(f"!!! {script} exited with status {rc}", flush=True)
                status = 1

    print("\n=== all workloads (%.0f s)" % (time.perf_counter() - t_start))
    print(H.header())
    H.print_table(cases)
    return status


if __name__ == "__main__":
    sys.exit(main())
