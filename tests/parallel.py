"""Run a function in many OS processes at once, each on its own database connection (not threads sharing one)."""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import traceback

from django.db import connection, connections


def _child(function, args, barrier, results, index):
    try:
        for inherited in connections.all(initialized_only=True):
            # Never use (or close: that would end the parent's session) a socket inherited through fork.
            inherited.connection = None
        connection.ensure_connection()  # connected before the start: 50 connections open at once
        barrier.wait(timeout=120)  # all start together: the worst case for a check-then-write race
        value = function(*args)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        results.put((index, "ok", value, pid))
    except BaseException:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put((index, "error", traceback.format_exc(), None))
    finally:
        connections.close_all()


def run_in_processes(function, args_list: list[tuple], *, timeout: float = 300) -> list:
    """Call ``function(*args)`` for every ``args`` in its own forked process, all released at the same moment.

    Return the values in order; raise if any call failed or two calls shared a database backend.
    """
    connections.close_all()  # a forked child must not inherit (and later close) the parent's socket
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(args_list))
    results = context.Queue()
    processes = [
        context.Process(target=_child, args=(function, args, barrier, results, index), daemon=True)
        for index, args in enumerate(args_list)
    ]
    for process in processes:
        process.start()
    collected = {}
    try:
        for _ in processes:
            index, outcome, value, pid = results.get(timeout=timeout)
            collected[index] = (outcome, value, pid)
    except queue_module.Empty as exc:
        raise AssertionError(f"only {len(collected)} of {len(processes)} processes answered in {timeout} s") from exc
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    failures = [value for outcome, value, _pid in collected.values() if outcome == "error"]
    assert not failures, failures[0]
    pids = {pid for _outcome, _value, pid in collected.values()}
    assert len(pids) == len(args_list), "the calls did not each have their own database connection"
    return [collected[index][1] for index in range(len(args_list))]
