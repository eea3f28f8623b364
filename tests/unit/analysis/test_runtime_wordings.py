"""The same causes as each runtime and framework prints them: Python, Rust, Elixir, Node, Spring, .NET, Go, Ruby, PHP, Java.

One crashing container (exit 1, restarting) with the runtime's own lines in its
log; the root cause must be the one the lines state.
"""

from __future__ import annotations

import pytest

from scdiag.analysis.engine import AnalysisEngine
from scdiag.models import Termination

from tests.unit.analysis.test_engine import REQUEST, _crashing, _data


@pytest.fixture(scope="module", name="engine")
def _engine() -> AnalysisEngine:
    from scdiag.app import DiagnosticOrchestrator

    engine = DiagnosticOrchestrator().engine()
    assert isinstance(engine, AnalysisEngine)
    return engine

CASES = [
 ("container-missing-config", ["Traceback (most recent call last):", '  File "/app/main.py", line 3, in <module>', "RuntimeError: DATABASE_URL environment variable is not set"]),
 ("container-missing-config", ["thread 'main' panicked at 'DATABASE_URL must be set: NotPresent', src/main.rs:10:5", "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"]),
 ("container-missing-config", ["** (RuntimeError) environment variable DATABASE_URL is missing.", "For example: ecto://USER:PASS@HOST/DATABASE"]),
 ("container-missing-config", ["Error: Missing required environment variable: STRIPE_SECRET_KEY", "    at Object.<anonymous> (/app/dist/config.js:12:11)"]),
 ("container-missing-config", ["***************************", "APPLICATION FAILED TO START", "***************************", "Description:", "Failed to configure a DataSource: 'url' attribute is not specified and no embedded datasource could be configured."]),
 ("container-missing-config", ["Unhandled exception. System.InvalidOperationException: The ConnectionString property has not been initialized.", "   at Microsoft.Data.SqlClient.SqlConnection.PermissionDemand()"]),
 ("container-missing-config", ["panic: required environment variable DATABASE_URL is not set", "", "goroutine 1 [running]:", "main.main()"]),
 ("container-dependency-missing", ["/usr/local/bundle/gems/bootsnap-1.16.0/lib/bootsnap/load_path_cache/core_ext/kernel_require.rb:17:in `require': cannot load such file -- pg (LoadError)"]),
 ("container-dependency-missing", ["Error: Cannot find module 'express'", "Require stack:", "- /app/server.js"]),
 ("container-dependency-missing", ["PHP Fatal error:  Uncaught Error: Class \"Redis\" not found in /var/www/html/app.php:5"]),
 ("container-dependency-missing", ["/app/server: error while loading shared libraries: libssl.so.3: cannot open shared object file: No such file or directory"]),
 ("container-dependency-missing", ["Exception in thread \"main\" java.lang.NoClassDefFoundError: org/postgresql/Driver"]),
 ("container-database-connection-failure", ["panic: dial tcp 10.0.0.5:5432: connect: connection refused"]),
 ("container-database-connection-failure", ["Error: connect ECONNREFUSED 10.0.3.7:5432", "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)"]),
 ("container-database-connection-failure", ["SQLSTATE[HY000] [2002] Connection refused (Connection: mysql, SQL: select * from `users`)"]),
 ("container-database-connection-failure", ["sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"db.internal\" (10.0.3.7), port 5432 failed: FATAL:  password authentication failed for user \"app\""]),
 ("container-database-connection-failure", ["ActiveRecord::ConnectionNotEstablished: could not connect to server: Connection refused"]),
 ("container-port-binding-failure", ["Error: listen EADDRINUSE: address already in use :::3000"]),
 ("container-port-binding-failure", ["[2026-11-20 14:00:01 +0000] [1] [ERROR] Connection in use: ('0.0.0.0', 8000)"]),
 ("container-port-binding-failure", ["Failed to bind to address http://0.0.0.0:8080: address already in use."]),
 ("container-permission-denied", ["Error: EACCES: permission denied, open '/app/logs/app.log'"]),
 ("read-only-filesystem", ["OSError: [Errno 30] Read-only file system: '/app/cache'"]),
 ("dns-resolution-failure", ["Error: getaddrinfo ENOTFOUND db.internal"]),
 ("dns-resolution-failure", ["dial tcp: lookup redis on 10.96.0.10:53: no such host"]),
 ("tls-certificate-error", ["x509: certificate signed by unknown authority"]),
 ("tls-certificate-error", ["requests.exceptions.SSLError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded with url: / (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))"]),
 ("runtime-heap-oom", ["FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"]),
 ("runtime-heap-oom", ["Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space"]),
 ("container-application-crash", ["Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object.", "   at Api.Program.Main(String[] args) in /src/Program.cs:line 12"]),
 ("container-application-crash", ["node:internal/process/promises:288", "            triggerUncaughtException(err, true /* fromPromise */);", "            ^", "TypeError: Cannot read properties of undefined (reading 'map')"]),
]


@pytest.mark.parametrize(("expected", "lines"), CASES, ids=[f"{e}:{lines[0][:40]}" for e, lines in CASES])
def test_the_runtime_wording_names_the_cause(engine: AnalysisEngine, expected: str, lines: list[str]) -> None:
    """The cause the lines state, not a generic crash."""
    result = engine.analyze(_data(_crashing(Termination(exit_code=1, reason="Error")), logs=tuple(lines)), REQUEST)
    assert result.root_cause is not None and result.root_cause.pattern_id == expected
