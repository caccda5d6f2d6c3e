"""The no-op job through RQ on the same Redis, for the README's comparison.

    pip install rq && python3 bench/rq_noop.py --jobs 2000

Enqueues N no-op jobs (pipelined), then runs one RQ worker in burst mode until the queue is empty:
prints enqueue jobs/s and processed jobs/s. The default worker forks a work horse per job; the
SimpleWorker (no fork) is measured too. Uses database 0 under RQ's own keys, and empties its queue.
"""
import argparse
import subprocess
import sys
import time

from redis import Redis
from rq import Queue, SimpleWorker, Worker


def noop():
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2000)
    ap.add_argument("--url", default="redis://127.0.0.1:6379/0")
    a = ap.parse_args()
    redis = Redis.from_url(a.url)
    for worker_class in (Worker, SimpleWorker):
        q = Queue("swissagent-bench-rq", connection=redis)
        q.empty()
        t0 = time.perf_counter()
        with q.connection.pipeline() as pipe:
            q.enqueue_many([Queue.prepare_data(noop) for _ in range(a.jobs)], pipeline=pipe)
            pipe.execute()
        enq = a.jobs / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        worker_class([q], connection=redis).work(burst=True, logging_level="ERROR")
        done = a.jobs / (time.perf_counter() - t0)
        print(f"RQ {rq_version()} {worker_class.__name__:12s} enqueue {enq:9.0f} jobs/s   process {done:8.0f} jobs/s")
        q.empty()


def rq_version():
    import rq
    return rq.__version__


if __name__ == "__main__":
    sys.path.insert(0, ".")
    main()
