"""The infrastructure and processes of a chaos run, each of its own so it can restart them:
a Kafka broker (services/broker/kafka.sh with its own ports and state directory), a
PostgreSQL cluster (initdb and pg_ctl on a data directory of the run), and real `potrack`
subprocesses that can be SIGKILLed and started again.

Nothing here touches the broker on 127.0.0.1:9092 or any cluster of the tests: ports are
free ones, directories the run's own. PostgreSQL refuses to run as root; as root its
commands run as the `postgres` account (Debian's package makes it), like tests/conftest.py.
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
KAFKA_SH = ROOT / "services" / "broker" / "kafka.sh"
PG_USER = "postgres"


def free_port() -> int:
    """A TCP port nobody listens on now (the OS's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Broker:
    """A single-node KRaft broker of the run: `start`, `stop` (SIGTERM, as kafka.sh does)."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.controller_port = free_port(), free_port()
        self.state = workdir / "kafka"
        self.restarts = 0

    @property
    def bootstrap(self) -> str:
        """Its bootstrap address, 127.0.0.1:<port>."""
        return f"127.0.0.1:{self.port}"

    def _run(self, action: str) -> None:
        env = {
            **os.environ,
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_STATE_DIR": str(self.state),
            "KAFKA_HEAP_OPTS": "-Xms256m -Xmx768m",
            "PYTHON": sys.executable,
        }
        done = subprocess.run(
            ["bash", str(KAFKA_SH), action], env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"kafka.sh {action} failed: {done.stderr.strip()[-2000:]}")

    def start(self) -> None:
        """Start it (fetching the jars if needed) and return once it answers; RuntimeError
        with kafka.sh's words when it does not."""
        self._run("start")

    def stop(self) -> None:
        """Stop it (kafka.sh: SIGTERM, SIGKILL after 30 s); its data stays."""
        self._run("stop")

    def restart(self) -> None:
        """Stop and start it again (the run's broker restart, counted)."""
        self.stop()
        self.start()
        self.restarts += 1


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or max(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), default=None)
    if found is None:
        raise RuntimeError(f"{name} not found: install the PostgreSQL server binaries")
    return found


class Postgres:
    """A PostgreSQL cluster of the run in `workdir/pg`, trust auth on a free port."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "pg"
        self.data = self.dir / "data"
        self.port = free_port()
        self.restarts = 0
        self.account = pwd.getpwnam(PG_USER) if os.geteuid() == 0 else None

    def url(self, database: str = "postgres") -> str:
        """The URL of `database` on this cluster (trust auth: the password is ignored)."""
        return f"postgresql://postgres:postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> None:
        command = [_pg_bin(tool), *args]
        if self.account is not None:
            command = ["runuser", "-u", PG_USER, "--", *command]
        done = subprocess.run(
            command, cwd=self.dir, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {args[0]} failed: {(done.stderr or done.stdout)[-2000:]}")

    def init(self) -> None:
        """initdb a new cluster in its directory and start it (RuntimeError: the tool's words)."""
        self.dir.mkdir(parents=True)
        if self.account is not None:
            os.chown(self.dir, self.account.pw_uid, self.account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        """Start the cluster; return once it takes connections (psycopg's OperationalError
        after 60 s), RuntimeError with pg_ctl's words when it does not start."""
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300"
        )
        self._run(
            "pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.dir / "pg.log"),
            "-o", options,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:  # pg_ctl -w may return while it still says "starting up"
            try:
                psycopg.connect(self.url(), connect_timeout=5).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop with `mode` (smart, fast or immediate); RuntimeError on failure."""
        self._run("pg_ctl", "stop", "-w", "-D", str(self.data), "-m", mode)

    def restart(self) -> None:
        """Crash-stop (`-m immediate`: no checkpoint, recovery on start) and start again."""
        self.stop("immediate")
        self.start()
        self.restarts += 1

    def create(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE `name` (a copy of `template` when given: nobody may be connected
        to it); its URL."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            copy = f" TEMPLATE {template}" if template else ""
            conn.execute(f"CREATE DATABASE {name}{copy}")
        return self.url(name)


@dataclass
class Member:
    """One long-running `potrack` process: its kind (for the figures), its command line and
    the process now running it."""

    name: str
    kind: str
    args: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process, its output appended to its log."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "services.cli", *self.args],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=out,
            )

    def alive(self) -> bool:
        """Whether the process runs now."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL, and wait for it to be gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self, timeout: float = 30) -> int | None:
        """SIGTERM (SIGKILL after `timeout` s); its exit code (None: had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def tail(self, lines: int = 5) -> str:
        """The last `lines` lines of its log."""
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(text[-lines:])


@dataclass
class Fleet:
    """The run's potrack processes. A member that exits on its own is started again by
    `supervise` and counted in `exits` (with its code) apart from the planned kills."""

    members: list[Member] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)
    exits: list[tuple[str, int | None, str]] = field(default_factory=list)
    stopped: set[str] = field(default_factory=set)

    def add(self, member: Member) -> None:
        """Start `member` and keep it in the fleet."""
        self.members.append(member)
        member.start()

    def kill_and_restart(self, member: Member) -> None:
        """SIGKILL `member`, count it under its kind, and start it again at once."""
        member.kill()
        self.kills[member.kind] += 1
        member.start()

    def supervise(self) -> None:
        """Start again each member that exited by itself (not one `stop` ended)."""
        for member in self.members:
            if member.name not in self.stopped and not member.alive():
                code = member.proc.returncode if member.proc else None
                self.exits.append((member.name, code, member.tail(3)))
                member.start()

    def stop(self, *kinds: str) -> dict[str, int | None]:
        """SIGTERM the members of `kinds` (all when none), never to be started again."""
        codes = {}
        for member in self.members:
            if not kinds or member.kind in kinds:
                self.stopped.add(member.name)
                codes[member.name] = member.terminate()
        return codes
