"""The `tablegate` command line: serve, dev, create-table, seed, export-schema, installs.

Errors a person can fix (a setting, a busy port, a missing Java) end in one line on
stderr, `tablegate: ...`, and exit code 2 (1 for an engine or DynamoDB failure);
only a bug prints a traceback. The gateway's own modules are imported where a
command needs them, so the installs and the errors answer at once.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import errno
import logging
import math
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from config import ConfigurationError, HttpSettings, Settings, load_settings, table_name
from data.errors import DynamoError, Unavailable
from dev import graphiql
from dev.engine import EngineError

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from data.client import Dynamo
    from dev.seed import Prepared

T = TypeVar("T")
USAGE = 2  # the exit code of a setting or argument to fix, as argparse uses it
FAILURE = 1


class Refusal(Exception):
    """The command cannot run as asked; the message is the one line to print."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = code


def _say(line: str) -> None:
    # Flushed: under `make` or a pipe, stdout is block-buffered and uvicorn's log would
    # otherwise overtake these lines.
    print(line, flush=True)


def default_workers(settings: Settings) -> int:
    """Worker processes when `--workers` is not given: every core in production, one in
    development (where a single process keeps logs and the debugger simple)."""
    return (os.cpu_count() or 1) if settings.production else 1


def port_problem(host: str, port: int) -> str | None:
    """Why the gateway could not listen on host:port, or None when it can.

    A bind test like uvicorn's own (IPv6 when the host has a colon, SO_REUSEADDR so a
    port the last run left in TIME_WAIT counts as free).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror as exc:
            return f"cannot listen on {host}:{port}: {exc.strerror}; check --host or HOST"
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use: stop the process that "
                        "holds it, or pass --port N (or set PORT)")
            if exc.errno == errno.EACCES:
                return f"not allowed to listen on {host}:{port}: pass --port above 1023"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}; check --host or HOST"
    return None


def _check_port(settings: Settings) -> None:
    problem = port_problem(settings.host, settings.port)
    if problem:
        raise Refusal(problem)


def _url(settings: Settings) -> str:
    # A wildcard address is where the server listens, not where a browser can go.
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host,
                                                                     settings.host)
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"


def _with_dynamo(settings: Settings, work: Callable[[Dynamo], Awaitable[T]]) -> T:
    from data.client import Dynamo

    async def run() -> T:
        dynamo = Dynamo(settings)
        try:
            return await work(dynamo)
        finally:
            await dynamo.close()

    return asyncio.run(run())


def _check_bootstrap_admin(settings: Settings) -> None:
    """Make sure the bootstrap admin exists now, so a bad BOOTSTRAP_ADMIN_* is one line
    here rather than a traceback from every worker's startup (which repeats this,
    idempotently)."""
    email = settings.bootstrap_admin_email
    if not email:
        return
    from server import bootstrap_admin

    _with_dynamo(settings, lambda dynamo: bootstrap_admin(dynamo, email,
                                                          settings.bootstrap_admin_password))


def _check_http_settings(settings: Settings) -> HttpSettings:
    """Refuse bad HTTP settings here, in one line: worker processes would each end in
    a traceback."""
    from config import load_http_settings
    from web import TrustedDocuments

    http = load_http_settings(settings.production)
    if http.trusted_documents is not None:
        TrustedDocuments.load(http.trusted_documents)
    return http


def _uvicorn_limits(http: HttpSettings) -> dict[str, Any]:
    """uvicorn's settings that bound what a connection may hold. Not `limit_concurrency`:
    it counts WebSockets and health checks too, and answers in plain text; /graphql
    sheds its own load (TABLEGATE_MAX_INFLIGHT). Not `h11_max_incomplete_event_size`:
    uvicorn parses with httptools, and our protocol bounds the headers itself."""
    from web.deadline import GRACE

    return {
        # The client's address is web/client_address.py's to decide (from
        # TABLEGATE_TRUSTED_PROXIES): uvicorn must not rewrite it from X-Forwarded-For.
        "proxy_headers": False,
        # Time and size limits on a request's headers, which uvicorn lacks.
        "http": "web.http_timeouts:BoundedHttpProtocol",
        # Longer than a load balancer keeps an idle connection (AWS's: 60 s), so that
        # the balancer closes it first: one closed by us as it sends a request is a 502.
        "timeout_keep_alive": 65,
        # At SIGTERM, a request in flight ends by its deadline: wait that long, not forever.
        "timeout_graceful_shutdown": math.ceil(http.request_deadline + GRACE),
        # A WebSocket message carries one operation, as a POST body does (default 16 MiB).
        "ws_max_size": http.max_body_bytes,
    }


def _check_metrics(settings: Settings) -> None:
    """Refuse bad metrics settings, and a metrics port that is taken, in one line."""
    from config import load_observability_settings

    observability = load_observability_settings(settings.production)
    port = observability.metrics_port
    if port is None:
        return
    if port == settings.port:
        raise Refusal(f"TABLEGATE_METRICS_PORT is {port}, the gateway's own port: choose "
                      "another (or unset it to serve /metrics on the gateway's port)")
    if port_problem(observability.metrics_host, port):
        raise Refusal(f"cannot serve /metrics on {observability.metrics_host}:{port}: the "
                      "port is taken or not allowed; set TABLEGATE_METRICS_PORT (and "
                      "TABLEGATE_METRICS_HOST)")


@contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """prometheus_client's multiprocess mode for several workers: each writes its
    counters to files in PROMETHEUS_MULTIPROC_DIR, and /metrics sums them. The folder
    is a fresh one, removed at the end; one the environment names is made, or emptied
    (counters of an earlier run would add up with these). Entered before anything
    imports prometheus_client, which reads the variable once."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
    if given or workers == 1:
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="tablegate-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    try:
        yield
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        shutil.rmtree(folder, ignore_errors=True)


def _check_live_settings(workers: int) -> None:
    """Refuse bad subscription settings in one line, and warn where every worker would
    read the change stream: DynamoDB Streams throttles more than two readers a shard."""
    from config import load_live_settings

    if workers > 2 and load_live_settings().broadcast_url is None:
        _say(f"warning: each of the {workers} workers reads the table's stream for its "
             "subscribers, and DynamoDB Streams throttles more than two readers: set "
             "TABLEGATE_BROADCAST_URL=redis://… so that one reads for all")


def _persisted_manifest(folders: list[Path]) -> None:
    """Print Apollo's persisted-query manifest of the operations in `folders`."""
    import orjson

    from web import manifest_of

    for folder in folders:
        if not folder.is_dir():
            raise Refusal(f"{folder} is not a folder of .graphql files")
    sys.stdout.write(orjson.dumps(manifest_of(folders), option=orjson.OPT_INDENT_2).decode())
    sys.stdout.write("\n")


# The project's copies of the contract's operations (the benchmark runs them too).
CONTRACT_OPERATIONS = Path(__file__).resolve().parent / "bench" / "operations"

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging, plus the gateway's `tablegate.*` loggers at INFO: worker
    processes configure logging from this alone, so without it they drop the access line."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["tablegate"] = {"format": LOG_FORMAT}
    config["handlers"]["tablegate"] = {"class": "logging.StreamHandler",
                                       "formatter": "tablegate", "stream": "ext://sys.stderr"}
    config["loggers"]["tablegate"] = {"handlers": ["tablegate"], "level": "INFO",
                                      "propagate": False}
    return config


def gateway(settings: Settings | None = None) -> Starlette:
    """The app `serve` and `dev` run: the gateway, with GraphiQL in development. uvicorn's
    worker processes call it with no settings, so they read the environment."""
    from server import create_app

    return create_app(settings, ide=graphiql)


def _serve(settings: Settings, workers: int, app: Starlette | None = None) -> None:
    import uvicorn

    _check_port(settings)
    _check_bootstrap_admin(settings)
    limits = _uvicorn_limits(_check_http_settings(settings))
    _check_metrics(settings)
    _check_live_settings(workers)
    if workers == 1:
        if app is None:
            app = gateway(settings)
        if not settings.production:
            _say(f"GraphiQL: {_url(settings)}/graphql")
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                    log_config=_log_config(), access_log=False, **limits)
        return
    # Each worker builds its app from the environment: hand it what this process
    # settled, and one cursor secret, so a cursor from one worker is valid in all.
    os.environ["TABLEGATE_SECRET"] = settings.secret.decode()
    if settings.endpoint:
        os.environ["DYNAMODB_ENDPOINT"] = settings.endpoint
    if not settings.production:
        _say(f"GraphiQL: {_url(settings)}/graphql")
    uvicorn.run("cli:gateway", factory=True, workers=workers, host=settings.host,
                port=settings.port, log_level="info", log_config=_log_config(),
                access_log=False, **limits)


def _create_table(settings: Settings) -> None:
    from data.table import create_table

    created = _with_dynamo(settings, create_table)
    _say(f"table {settings.table_name} {'created' if created else 'already exists'}")


def _prepare(settings: Settings, scale: int, reset: bool, again: str) -> None:
    """Create the table, seed it if empty (after deleting it, with `reset`), print logins.

    `again` is the command that would reset, for the line that says why nothing was seeded.
    """
    if reset and settings.production:
        raise Refusal(f"refusing to delete table {settings.table_name}: TABLEGATE_ENV is "
                      "production")
    from dev.seed import PASSWORD, prepare

    prepared: Prepared = _with_dynamo(
        settings, lambda dynamo: prepare(dynamo, scale, reset_table=reset, say=_say)
    )
    if not prepared.seeded:
        _say(f"table {settings.table_name} already holds the demo data ({prepared.existing} "
             f"of its {prepared.items} items): not seeding it again (`{again}` deletes the "
             "table and seeds the demo data)")
        if prepared.scale is not None and prepared.scale != scale:
            _say(f"  it was seeded at scale {prepared.scale}; --scale applies to a new table")
    if prepared.refreshed:
        _say(f"renewed {prepared.refreshed} expired demo sessions")
    if prepared.logins:
        _say(f"demo logins (password {PASSWORD}; send `Authorization: Bearer <token>`):")
        for line in prepared.logins:
            _say(f"  {line}")
    elif not prepared.seeded:
        _say(f"no demo users left in table {settings.table_name} (`{again}` starts over)")


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _dev(settings: Settings, scale: int, data_dir: Path, workers: int, reset: bool) -> None:
    """Engine (unless DYNAMODB_ENDPOINT is set), table, demo data if empty, then serve."""
    from dev.engine import LocalDynamo

    started = time.monotonic()
    # uvicorn shuts down on SIGTERM, then raises it again; by default that kills this
    # process on the spot. As an exception it unwinds through `finally`: the engine stops
    # cleanly and its working folder goes.
    signal.signal(signal.SIGTERM, _terminated)
    # Before the engine's start, so a busy port costs no wait.
    _check_port(settings)
    try:
        graphiql.install()
    except graphiql.AssetsError as exc:
        # The API works without the IDE; the page itself repeats how to install it.
        print(f"GraphiQL unavailable: {exc}", file=sys.stderr)
    engine = None
    if settings.endpoint is None:
        engine = LocalDynamo(data_dir=data_dir).launch()
        settings = replace(settings, endpoint=engine.endpoint)
        _say(f"starting DynamoDB Local on {engine.endpoint} (data in {data_dir}) ...")
    try:
        app = None
        if workers == 1:
            # Built while the JVM starts: the schema takes ~0.5 s of the wait.
            app = gateway(settings)
        if engine is not None:
            engine.wait_ready()
            _say(f"DynamoDB Local ready in {time.monotonic() - started:.1f} s")
        _prepare(settings, scale, reset, "tablegate dev --reset")
        _serve(settings, workers, app)
    finally:
        if engine is not None:
            engine.stop()


def _export_schema() -> None:
    from schema.build import make_schema

    print(make_schema().as_str())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tablegate", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve against the configured endpoint (AWS when unset)"
    )
    dev = commands.add_parser("dev", help="embedded DynamoDB Local, demo data, GraphiQL")
    for command in (serve, dev):
        command.add_argument("--host", help="address to listen on (default: HOST, 127.0.0.1)")
        command.add_argument("--port", type=int, help="port to listen on (default: PORT, 8000)")
        command.add_argument(
            "--workers", type=int, default=None,
            help="worker processes (default: the cores in production, 1 in development)",
        )
    seed = commands.add_parser("seed", help="write the demo data set into an empty table")
    for command in (dev, seed):
        command.add_argument("--scale", type=int, default=1,
                             help="demo data size: 10 users and 40 posts a unit (default 1)")
        command.add_argument("--reset", action="store_true",
                             help="delete the table first, then seed the demo data again")
    dev.add_argument("--data-dir", type=Path, default=Path(".dev-data"),
                     help="where DynamoDB Local keeps the table (default .dev-data)")
    commands.add_parser("create-table", help="create the table, indexes, TTL and stream")
    commands.add_parser("export-schema", help="print the SDL the gateway serves")
    template = commands.add_parser(
        "table-template", help="print the table as a CloudFormation or Terraform template")
    template.add_argument("--format", required=True, choices=("cloudformation", "terraform"),
                          help="CloudFormation (JSON) or Terraform (aws_dynamodb_table)")
    manifest = commands.add_parser(
        "persisted-manifest",
        help="print the trusted-documents manifest (Apollo's format) of .graphql files")
    manifest.add_argument("folders", nargs="*", type=Path, default=[CONTRACT_OPERATIONS],
                          help="folders of .graphql files (default: the contract's operations)")
    commands.add_parser("install-engine", help="download and verify DynamoDB Local")
    commands.add_parser("install-assets", help="download and verify GraphiQL's browser files")
    return parser


def _run(argv: list[str] | None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    if args.command == "export-schema":
        _export_schema()
        return
    if args.command == "table-template":
        from data.table_template import RENDERERS

        sys.stdout.write(RENDERERS[args.format](table_name()))
        return
    if args.command == "persisted-manifest":
        _persisted_manifest(args.folders)
        return
    if args.command == "install-engine":
        from dev.engine import install

        _say(str(install()))
        return
    if args.command == "install-assets":
        _say(str(graphiql.install()))
        return
    if getattr(args, "scale", 1) < 1:
        parser.error("--scale must be at least 1")
    if getattr(args, "port", None) is not None and not 0 < args.port < 65536:
        parser.error("--port must be between 1 and 65535")
    settings = load_settings()
    if args.command in ("serve", "dev"):
        settings = replace(settings, host=args.host or settings.host,
                           port=settings.port if args.port is None else args.port)
        workers = default_workers(settings) if args.workers is None else args.workers
        if workers < 1:
            parser.error("--workers must be at least 1")
        with _shared_metrics(workers):
            if args.command == "serve":
                _serve(settings, workers)
            else:
                _dev(settings, args.scale, args.data_dir, workers, args.reset)
    elif args.command == "create-table":
        _create_table(settings)
    elif args.command == "seed":
        _prepare(settings, args.scale, args.reset, "tablegate seed --reset")


def main(argv: list[str] | None = None) -> None:
    """`tablegate serve | dev | create-table | seed | export-schema | table-template
    | persisted-manifest | install-engine | install-assets` (`tablegate COMMAND --help`
    for each one's options)."""
    try:
        _run(argv)
    except (ConfigurationError, Refusal) as exc:
        _fail(str(exc), exc.code if isinstance(exc, Refusal) else USAGE)
    except DynamoError as exc:
        if exc.code == "ResourceNotFoundException":
            _fail(f"table {table_name()} does not exist: `tablegate create-table` creates it",
                  FAILURE)
        _fail(f"DynamoDB: {exc}", FAILURE)
    except (EngineError, graphiql.AssetsError, Unavailable, TimeoutError) as exc:
        _fail(str(exc), FAILURE)
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _fail(message: str, code: int) -> None:
    print(f"tablegate: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
