"""`python -m workers`: an RQ worker with its scheduler, plus the outbox clock beside it.

It works until SIGTERM or SIGINT and then leaves within seconds, whatever it was doing
(systemd and Kubernetes send SIGKILL after their own grace):

- idle, or waiting for Redis (down at start, or lost while running): it stops at once;
- running a job: RQ's warm shutdown lets the job finish; WORKER_STOP_SECONDS after the signal the
  worker sends itself the signal again, which is RQ's cold shutdown: the work horse is killed.
  Its job is not lost: the outbox event stays unprocessed (or the e-mail claimed, not sent), and
  the relay hands it to the next worker once its lease runs out — delivered once, later.

Every process the worker started (the work horse, RQ's scheduler, the clock) ends before it does.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType

from redis.exceptions import RedisError
from rq import Worker
from rq.exceptions import StopRequested

from factory import create_app
from workers import queues, runtime
from workers.clock import clock_process

log = logging.getLogger("workers")
RETRY_SECONDS = 2
CHILD_STOP_SECONDS = 2  # the clock and RQ's scheduler hold no work: SIGTERM, then SIGKILL
LAST_RESORT_SECONDS = 5  # after RQ's cold shutdown: should even that hang, kill the children and go
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stop:
    """The first SIGTERM or SIGINT of this process and what follows it.

    RQ's handlers (through StoppingWorker) and ours (between RQ runs) both report here, so a
    signal is never lost between them. `grace` seconds after it, the signal is sent once more
    to the main thread (RQ's handler takes a second signal as its cold shutdown); should the
    worker still be there LAST_RESORT_SECONDS later, everything it started is killed.
    """

    def __init__(self, grace: float):
        # RQ ignores a second signal that comes within a second of the first.
        self.grace = max(grace, 1.1)
        self.signum: int | None = None
        self.deadline = float("inf")  # monotonic time when a running job's grace runs out
        self.worker: StoppingWorker | None = None
        self.clock: BaseProcess | None = None
        # The escalation waits in a thread started now: a signal handler that started a thread
        # could deadlock on threading's own lock, if the signal came while the main thread held it.
        self._wake_read, self._wake_write = os.pipe()
        self._pid = os.getpid()  # a forked child (RQ's scheduler, before it sets its own handlers) is not us
        threading.Thread(target=self._escalate, name="dauys-stop", daemon=True).start()

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def request(self, signum: int) -> None:
        """Remember the first signal (called in a signal handler: no locks, no blocking I/O)."""
        if self.signum is not None or os.getpid() != self._pid:
            return
        self.signum = signum
        self.deadline = time.monotonic() + self.grace
        os.write(self._wake_write, b"!")

    def _escalate(self) -> None:
        os.read(self._wake_read, 1)
        time.sleep(self.grace)
        log.warning("still here %.1f s after the stop signal: RQ's cold shutdown", self.grace)
        signal.pthread_kill(threading.main_thread().ident, self.signum)
        time.sleep(LAST_RESORT_SECONDS)
        log.error("the worker did not stop; killing what it started")
        worker, clock = self.worker, self.clock
        if worker is not None:
            _kill_horse(worker)
            scheduler = _scheduler_process(worker)
            if scheduler is not None and scheduler.is_alive():
                scheduler.kill()
        if clock is not None and clock.is_alive():
            clock.kill()
        os._exit(1)

    def pause(self, seconds: float) -> None:
        """Sleep, unless or until a stop is requested."""
        end = time.monotonic() + seconds
        while not self.requested and time.monotonic() < end:
            time.sleep(0.1)

    def listen(self) -> None:
        """Our handlers, for when no RQ worker is running (starting, or waiting to retry)."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.request(signum)


class StoppingWorker(Worker):
    """RQ's worker, stopping as RQ does — warm on the first signal, cold on the second — with the
    second sent by `Stop` after the grace; and three changes for a stop that may meet Redis away
    or a supervisor that signals every process:

    - a stop requested while the worker started, before RQ listened for signals, is honoured;
    - the warm shutdown does not fail when it cannot note its date in Redis (that is for
      monitoring only);
    - the work horse ignores SIGTERM (as RQ's HerokuWorker's does), so systemd signalling the
      whole cgroup does not cut a job short: it gets its grace, like under Kubernetes.
    """

    def __init__(self, *args: object, stop: Stop, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.stop = stop

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop.request(signum)
        super().request_stop(signum, frame)

    def _install_signal_handlers(self) -> None:
        super()._install_signal_handlers()
        if self.stop.requested:
            try:
                self.request_stop(self.stop.signum, None)
            except StopRequested:  # idle: RQ's loop stops before its first dequeue
                self._stop_requested = True

    def set_shutdown_requested_date(self) -> None:
        try:
            super().set_shutdown_requested_date()
        except RedisError as exc:
            log.warning("stop requested; Redis did not hear of it (%s)", exc)

    def setup_work_horse_signals(self) -> None:
        super().setup_work_horse_signals()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = runtime.use_app(create_app())
    q = queues.queue(app)
    if q is None:
        print("DAUYS_REDIS_URL is not set: jobs run in-process in the web app; no worker needed.")
        return 2
    stop = Stop(float(app.config["WORKER_STOP_SECONDS"]))
    stop.listen()
    # The clock gets a fresh interpreter (spawn): forking a process that holds
    # database and Redis connections would share them.
    stop.clock = multiprocessing.get_context("spawn").Process(
        target=clock_process, args=(os.getpid(), create_app), name="dauys-clock", daemon=True
    )
    stop.clock.start()
    try:
        while not stop.requested:
            worker = None
            try:
                worker = stop.worker = StoppingWorker([q], connection=q.connection, stop=stop)
                worker.work(with_scheduler=True)
                # RQ also ends its loop by itself (a Redis timeout, an unexpected error): the
                # worker leaves only when asked to, so that no supervisor need restart it.
                why = "the RQ worker ended by itself"
            except (RedisError, StopRequested, SystemExit) as exc:
                # Redis is away (restart, outage): wait and work on. Nothing is lost meanwhile —
                # events wait in the outbox and the clock relays them once Redis is back.
                # StopRequested and SystemExit are RQ's warm and cold shutdown, ending here.
                if not (stop.requested or isinstance(exc, RedisError)):
                    raise
                why = f"Redis unreachable ({exc})"
            finally:
                stop.listen()  # RQ's handlers belong to the worker that just ended
                if worker is not None:
                    _finish(worker, stop)
            if not stop.requested:
                log.warning("%s; the worker retries in %s s", why, RETRY_SECONDS)
                stop.pause(RETRY_SECONDS)
        log.info("stopped on request (signal %s)", stop.signum)
        return 0
    finally:
        _end_child(stop.clock)


def _finish(worker: StoppingWorker, stop: Stop) -> None:
    """After an RQ run: its work horse and scheduler are gone when this returns.

    A horse outlives its worker's loop when an error (Redis lost mid-job) broke the loop: it may
    finish its job — until a stop's grace runs out."""
    pid = worker.horse_pid
    while pid and _alive_child(pid):
        if time.monotonic() >= stop.deadline:
            _kill_horse(worker)
        time.sleep(0.05)
    _end_child(_scheduler_process(worker))


def _alive_child(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:  # reaped already (RQ waits for the horse it kills)
        return False


def _kill_horse(worker: StoppingWorker) -> None:
    """SIGKILL to the horse's process group (RQ puts each horse in one of its own)."""
    if worker.horse_pid:
        try:
            os.killpg(worker.horse_pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _scheduler_process(worker: StoppingWorker) -> BaseProcess | None:
    # RQ keeps it there, and its own stop_scheduler reads it there too.
    scheduler = getattr(worker, "scheduler", None)
    return getattr(scheduler, "_process", None)


def _end_child(process: BaseProcess | None) -> None:
    if process is None or process.pid is None:
        return
    if process.is_alive():
        process.terminate()
        process.join(CHILD_STOP_SECONDS)
    if process.is_alive():
        process.kill()
    process.join()


if __name__ == "__main__":
    sys.exit(main())
