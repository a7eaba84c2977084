"""One chaos run: start everything, stream traffic while the faults strike, drain, check.

Phases (each printed as it starts):
1. its own Kafka broker and PostgreSQL cluster, the store database, the rules and files;
2. the potrack processes: two `ingest` in one group, `project status commitments sent`,
   `project alerts audit performance`, `gateway`, `notify` (to the run's webhook);
3. `potrack simulate` for CHAOS_EVENTS records over CHAOS_SECONDS, and the planned faults
   (`tests.chaos.faults`); a process that exits by itself is started again and counted;
4. drain: ingest and gateway caught up (stored positions and committed offsets at the
   topics' ends, no parked document answering a recorded po.sent), then they stop;
   projections at the store's head with every watermark judged and the outbox empty;
   the notifier caught up with an empty queue; then everything stops;
5. the checks of `tests.chaos.checks`, a fresh rebuild (`potrack replay` on a copy of the
   database) for check b, and the tables.
"""

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from schemas.topics import Topic
from services.kafka import ensure_topics
from services.notify.rules import load_rules
from services.settings import Settings
from tests.chaos import checks, collect
from tests.chaos.config import Config
from tests.chaos.faults import Fault, plan
from tests.chaos.processes import ROOT, Broker, Fleet, Member, Postgres
from tests.chaos.report import checks_table, figures_table
from tests.chaos.traffic import Injector, rules_toml, simulator, webhook

INGEST_GROUP, GATEWAY_GROUP, NOTIFY_GROUP = "potrack-ingest", "potrack-gateway", "potrack-notify"
MEMBERS = (  # name, kind, potrack arguments
    ("ingest-1", "ingest", ["ingest"]),
    ("ingest-2", "ingest", ["ingest"]),
    ("project-a", "project", ["project", "status", "commitments", "sent"]),
    ("project-b", "project", ["project", "alerts", "audit", "performance"]),
    ("gateway", "gateway", ["gateway"]),
    ("notify", "notify", ["notify"]),
)


def say(text: str) -> None:
    """Print one progress line with the time."""
    print(f"chaos {time.strftime('%H:%M:%S')}: {text}", flush=True)


def potrack_env(bootstrap: str, store_url: str, work: Path, **extra: str) -> dict[str, str]:
    """The environment of every potrack process of the run (as tests/integration/kit.py)."""
    return {
        **os.environ,
        "POTRACK_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "POTRACK_STORE_URL": store_url,
        "POTRACK_TOPIC_PREFIX": "",
        "POTRACK_CONSUMER_GROUP": INGEST_GROUP,
        "POTRACK_GATEWAY_GROUP": GATEWAY_GROUP,
        "POTRACK_NOTIFY_GROUP": NOTIFY_GROUP,
        "POTRACK_PARTNERS_FILE": str(work / "partners.toml"),
        "POTRACK_SLA_FILE": str(work / "sla.toml"),
        "POTRACK_NOTIFY_FILE": str(work / "notify.toml"),
        # A killed notifier's targets wait this long for a new one (default: 2 minutes).
        "POTRACK_NOTIFY_LEASE_SECONDS": "5",
        # Longer than the run: a document is never dead-lettered because ingest lagged. Those
        # answering a message never sent (the simulator sends some) stay parked at the end.
        "POTRACK_CORRELATION_WINDOW_SECONDS": "3600",
        "POTRACK_LOG_FORMAT": "json",
        "POTRACK_LOG_SUMMARY_SECONDS": "30",
        **extra,
    }


def cli(args: list[str], env: dict[str, str], timeout: float = 600) -> str:
    """`potrack <args>` to its end; RuntimeError with its last words when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"potrack {args[0]} exited {done.returncode}: {done.stderr[-1500:]}")
    return done.stdout


async def wait_until(
    what: str,
    ready: Callable[[], Awaitable[bool]],
    timeout: float,
    between: Callable[[], None] = lambda: None,
) -> bool:
    """Poll `ready` every 2 s until it holds twice in a row; False after `timeout` s (said).
    A poll that raises counts as not ready (the broker or the database may be away)."""
    deadline, streak, last = time.monotonic() + timeout, 0, ""
    while time.monotonic() < deadline:
        between()
        try:
            streak = streak + 1 if await ready() else 0
        except Exception as exc:
            streak, last = 0, f"{type(exc).__name__}: {exc}"
        if streak >= 2:
            return True
        await asyncio.sleep(2)
    say(f"NOT caught up after {timeout:.0f} s: {what}" + (f" (last error {last})" if last else ""))
    return False


class Run:
    """The state of one run; `main` carries it out."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.work = Path(tempfile.mkdtemp(prefix="potrack-chaos-"))
        self.work.chmod(0o755)  # PostgreSQL's account must reach its directory inside
        self.broker = Broker(self.work)
        self.pg = Postgres(self.work)
        self.fleet = Fleet()
        self.sim: Member | None = None
        self.sim_attempts = 0
        self.sim_started = 0.0
        self.sim_sent_estimate = 0.0
        self.traffic_done = False
        self.store_url = ""
        self.env: dict[str, str] = {}
        self.injector = Injector("")
        self.drained: dict[str, bool] = {}
        self.seconds: dict[str, float] = {}
        self.parked = 0

    # --- set-up -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the run's broker and PostgreSQL cluster; create the store database."""
        say(f"work directory {self.work}; starting a Kafka broker and a PostgreSQL cluster")
        await asyncio.to_thread(self.broker.start)
        await asyncio.to_thread(self.pg.init)
        self.store_url = self.pg.create("potrack")
        self.injector = Injector(self.broker.bootstrap)
        say(f"broker {self.broker.bootstrap}, PostgreSQL on port {self.pg.port}")

    def files(self, hook_url: str) -> None:
        """Write the partners file, the SLA policy and the rules (to `hook_url`)."""
        env = potrack_env(self.broker.bootstrap, self.store_url, self.work)
        cli(["simulate", "--write-partners", str(self.work / "partners.toml")], env)
        cli(["simulate", "--write-sla", str(self.work / "sla.toml")], env)
        (self.work / "notify.toml").write_text(rules_toml(hook_url), encoding="utf-8")
        self.env = env

    async def launch(self) -> None:
        """Create the topics and start the potrack processes."""
        settings = Settings(kafka_bootstrap_servers=self.broker.bootstrap, topic_prefix="")
        await ensure_topics(settings)
        for name, kind, args in MEMBERS:
            self.fleet.add(Member(name, kind, args, self.env, self.work / f"{name}.log"))
        await asyncio.sleep(5)
        self.fleet.supervise()

    # --- traffic and faults ---------------------------------------------------------------

    def _start_simulator(self, count: int) -> None:
        seed = self.config.seed + 1000 * self.sim_attempts
        self.sim_attempts += 1
        log = self.work / "simulate.log"
        self.sim = simulator(self.env, log, count, self.config.rate, seed)
        self.sim.start()
        self.sim_started = time.monotonic()

    def supervise(self) -> None:
        """Restart what exited by itself; the simulator, when it failed, with a new seed for
        the records it still owed (estimated from its running time at its rate)."""
        self.fleet.supervise()
        sim = self.sim
        if sim is None or sim.alive() or self.traffic_done:
            return
        assert sim.proc is not None
        ran = time.monotonic() - self.sim_started
        if sim.proc.returncode == 0:
            self.traffic_done = True
            return
        self.sim_sent_estimate += ran * self.config.rate
        owed = int(self.config.events - self.sim_sent_estimate)
        say(f"simulator exited {sim.proc.returncode} ({sim.tail(1)[:200]}); {owed} records owed")
        if owed < 100:
            self.traffic_done = True
            return
        self._start_simulator(owed)

    async def strike(self, fault: Fault) -> None:
        """Carry out one planned fault."""
        if fault.action == "kill":
            [member] = [m for m in self.fleet.members if m.name == fault.victim]
            say(f"SIGKILL {member.name}")
            self.fleet.kill_and_restart(member)
        elif fault.action == "broker":
            say("restarting the broker (stop, start)")
            await asyncio.to_thread(self.broker.restart)
            say("broker back")
        elif fault.action == "postgres":
            say("restarting PostgreSQL (pg_ctl stop -m immediate, start)")
            await asyncio.to_thread(self.pg.restart)
            say("PostgreSQL back")
        elif fault.action == "bad":
            await self.injector.send(fault.count)

    async def traffic(self) -> None:
        """Run the simulator and the fault plan; return once the traffic ended."""
        faults = plan(
            self.config.seconds,
            self.config.kills,
            [m.name for m in self.fleet.members],
            self.config.seed,
        )
        say(
            f"traffic: {self.config.events} records at {self.config.rate:.0f}/s for"
            f" {self.config.seconds:.0f} s; {self.config.kills} kills, a broker and a"
            " PostgreSQL restart"
        )
        self._start_simulator(self.config.events)
        began = time.monotonic()
        for fault in faults:
            while time.monotonic() - began < fault.at:
                self.supervise()
                await asyncio.sleep(0.5)
            await self.strike(fault)
        limit = began + self.config.seconds * 1.5 + 120
        while not self.traffic_done and time.monotonic() < limit:
            self.supervise()
            await asyncio.sleep(0.5)
        if not self.traffic_done and self.sim is not None:
            say("the simulator is still sending after 1.5 times CHAOS_SECONDS: stopped")
            self.sim.terminate()
            self.traffic_done = True
        self.seconds["traffic"] = time.monotonic() - began

    # --- drain ------------------------------------------------------------------------------

    async def _ingest_caught_up(self) -> bool:
        from services.store.events import EventStore

        bootstrap = self.broker.bootstrap
        ends = await collect.offsets(bootstrap, [*collect.INBOUND, collect.DOCUMENTS])
        gateway = await collect.offsets(bootstrap, [collect.DOCUMENTS], GATEWAY_GROUP)
        store = EventStore(self.store_url)
        try:
            stored = {
                tp: store.position(INGEST_GROUP, *tp) or 0
                for tp in ends
                if tp[0] != collect.DOCUMENTS
            }
        finally:
            store.close()
        parked = collect.parked(self.store_url)
        self.parked = len(parked)
        behind = sum(max(0, ends[tp] - n) for tp, n in stored.items())
        behind += sum(max(0, ends[tp] - n) for tp, n in gateway.items())
        return behind == 0 and not any(parked.values())

    async def _projections_caught_up(self) -> bool:
        url = self.store_url
        from services.store.events import EventStore

        store = EventStore(url)
        try:
            head = store.max_notification_id()
        finally:
            store.close()
        names = ", ".join(f"'{n}'" for n in collect.PROJECTIONS)
        at_head = collect.scalar(
            url,
            f"SELECT COUNT(*) FROM projection_positions WHERE name IN ({names})"
            f" AND position = {head}",
        )
        outbox = collect.scalar(url, "SELECT COUNT(*) FROM outbox")
        newest = collect.scalar(
            url, f"SELECT MAX(seq) FROM ingest_watermarks WHERE position <= {head}"
        )
        judged = collect.scalar(url, "SELECT applied_seq FROM alerts_cursor WHERE id = 1")
        return at_head == len(collect.PROJECTIONS) and outbox == 0 and judged >= newest

    async def _notifier_caught_up(self) -> bool:
        bootstrap = self.broker.bootstrap
        records = await collect.read_topic(bootstrap, Topic.ALERTS.value)
        last: dict[tuple[str, int], int] = {}
        for r in records:
            last[(r.topic, r.partition)] = max(last.get((r.topic, r.partition), 0), r.offset + 1)
        done = await collect.offsets(bootstrap, [Topic.ALERTS.value], NOTIFY_GROUP)
        queue = collect.scalar(self.store_url, "SELECT COUNT(*) FROM notify_queue")
        return queue == 0 and all(done.get(tp, 0) >= n for tp, n in last.items())

    async def drain(self) -> None:
        """Wait until everything caught up (module docstring, step 4), stopping it."""
        began = time.monotonic()
        budget = self.config.drain_seconds
        say("draining: waiting for ingest and the gateway to reach the topics' ends")
        self.drained["ingest"] = await wait_until(
            "ingest and gateway", self._ingest_caught_up, budget, self.fleet.supervise
        )
        self.fleet.stop("ingest", "gateway")
        say("ingest and gateway stopped; waiting for the projections and the outbox")
        self.drained["projections"] = await wait_until(
            "projections and outbox", self._projections_caught_up, budget, self.fleet.supervise
        )
        say("waiting for the notifier")
        self.drained["notifier"] = await wait_until(
            "notifier", self._notifier_caught_up, budget, self.fleet.supervise
        )
        codes = self.fleet.stop()
        say(f"stopped: {codes}")
        self.seconds["drain"] = time.monotonic() - began

    # --- checks -------------------------------------------------------------------------------

    async def check(
        self, hook_bodies: list[dict[str, object]]
    ) -> tuple[list[checks.Check], dict[str, object]]:
        """Read everything back and run the six checks: (checks, figures)."""
        bootstrap = self.broker.bootstrap
        say("reading back the topics, the store and the views")
        inbound = []
        for topic in collect.INBOUND:
            inbound += await collect.read_topic(bootstrap, topic)
        documents = await collect.read_topic(bootstrap, collect.DOCUMENTS)
        sent = collect.sent_events(inbound)
        stored, versions = collect.stored_events(self.store_url)
        a = checks.stored_once(sent.events, stored, versions)

        say("rebuilding every projection into a copy of the database (potrack replay)")
        began = time.monotonic()
        copy = self.pg.create("rebuilt", template="potrack")
        cli(["replay"], {**self.env, "POTRACK_STORE_URL": copy})
        self.seconds["rebuild"] = time.monotonic() - began
        b = checks.views_equal_rebuild(collect.view_rows(self.store_url), collect.view_rows(copy))

        out = {
            t: collect.out_records(await collect.read_topic(bootstrap, t.value))
            for t in (Topic.STATUS, Topic.COMMITMENTS, Topic.ALERTS)
        }
        c = checks.latest_equals_view(
            out[Topic.STATUS], out[Topic.COMMITMENTS], out[Topic.ALERTS],
            collect.views_of(self.store_url),
        )  # fmt: skip
        dead = collect.dead_positions(await collect.read_topic(bootstrap, Topic.DEADLETTER.value))
        d = checks.dead_letters_once(dead, sent.bad, self.injector.sent)
        ledger = collect.scalar(self.store_url, "SELECT COUNT(*) FROM alert_published")
        e = checks.alert_transitions_once(out[Topic.ALERTS], ledger)
        rules = load_rules(self.work / "notify.toml")
        assert rules is not None, "the run's rules file routes to the webhook"
        expected = collect.expected_notifications(out[Topic.ALERTS], rules)
        delivered = collect.delivered_notifications(hook_bodies)
        notifier_down = self.fleet.kills["notify"] + sum(
            1 for name, _, _ in self.fleet.exits if name == "notify"
        )
        f = checks.notifications_delivered(expected, delivered, notifier_down)

        kills = ", ".join(f"{k} {n}" for k, n in sorted(self.fleet.kills.items())) or "none"
        figures: dict[str, object] = {
            "records on the inbound CloudEvents topics": sent.records,
            "of them valid events (distinct)": sum(len(v) for v in sent.events.values()),
            "of them re-sent duplicates": sent.duplicates,
            "documents on po.documents.v1": len(documents),
            "documents parked at the end (answering no po.sent ever recorded)": self.parked,
            "POs": len(sent.events),
            "events stored": sum(len(v) for v in stored.values()),
            "SIGKILLs (per kind)": f"{sum(self.fleet.kills.values())} ({kills})",
            "exits not planned (restarted)": len(self.fleet.exits),
            "broker restarts": self.broker.restarts,
            "PostgreSQL restarts": self.pg.restarts,
            "simulator starts": self.sim_attempts,
            "bad records injected (landed)": len(self.injector.sent),
            "dead letters": len(dead),
            "status / commitment records published": (
                f"{len(out[Topic.STATUS])} / {len(out[Topic.COMMITMENTS])}"
            ),
            "alert transitions published": len(out[Topic.ALERTS]),
            "notifications expected / delivered": f"{sum(expected.values())} / {len(delivered)}",
            "caught up (ingest, projections, notifier)": ", ".join(
                "yes" if self.drained.get(k) else "NO"
                for k in ("ingest", "projections", "notifier")
            ),
            "seconds (traffic, drain, rebuild)": ", ".join(
                f"{self.seconds.get(k, 0):.0f}" for k in ("traffic", "drain", "rebuild")
            ),
        }
        return [a, b, c, d, e, f], figures

    # --- tear-down ----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the processes, the broker and the cluster; remove the work directory."""
        self.fleet.stop()
        if self.sim is not None:
            self.sim.terminate(10)
        for stop in (self.broker.stop, lambda: self.pg.stop("fast")):
            try:
                stop()
            except Exception as exc:
                say(f"tear-down: {exc}")
        if self.config.keep:
            say(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


async def main(config: Config) -> int:
    """Carry out one run; 0 when every check passed and everything caught up, else 1."""
    run = Run(config)
    try:
        await run.start()
        with webhook() as hook:
            run.files(hook.url())
            await run.launch()
            await run.traffic()
            await run.drain()
            found, figures = await run.check(hook.bodies())
        for name, code, tail in run.fleet.exits:
            say(f"unplanned exit of {name} (code {code}): {tail[-300:]}")
        print()
        print(figures_table(figures))
        print()
        print(checks_table(found))
        print(flush=True)
        ok = all(c.passed for c in found) and all(run.drained.values())
        say("PASSED" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        run.close()
