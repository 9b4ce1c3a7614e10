// Launcher starts an embedded Neo4j 5.26 Community DBMS with a Bolt connector
// on 127.0.0.1, for Redthread's tests and development. scripts/neo4j.sh builds
// and runs it; nothing else in the repository depends on Java.
//
//   java [JVM flags] -cp 'target/classes:target/lib/*' Launcher HOME_DIR PORT
//
// Optional system properties (scripts/neo4j.sh sets them from NEO4J_* env vars):
//   redthread.pagecache    page cache size          (default 256m)
//   redthread.txmax        memory of one transaction (default 256m)
//   redthread.txtotal      memory of all transactions (default 512m)
//   redthread.txtimeout    default transaction timeout (default 120s, 0 = none)
//
// It prints "REDTHREAD-NEO4J READY bolt://127.0.0.1:PORT" once the default
// database is available and the Bolt port accepts connections, and stops the
// DBMS cleanly on SIGTERM/SIGINT (shutdown hook). Authentication is disabled:
// it is a local, loopback-only development server.

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

public final class Launcher {
    private static final String PREFIX = "REDTHREAD-NEO4J ";

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            System.out.println(PREFIX + "FAILED: " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println(PREFIX + "usage: Launcher HOME_DIR PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        int port = Integer.parseInt(args[1]);
        String host = "127.0.0.1";
        long started = System.nanoTime();

        System.out.println(PREFIX + "starting Neo4j " + neo4jVersion() + " in " + home
                + " (Bolt on " + host + ":" + port + ", Java " + Runtime.version() + ")");

        // The hook is in place before the DBMS starts: a SIGTERM during start-up
        // waits for the DBMS to be built, then shuts it down cleanly.
        AtomicReference<DatabaseManagementService> running = new AtomicReference<>();
        CountDownLatch built = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(PREFIX + "stopping");
            try {
                built.await(2, TimeUnit.MINUTES);
                DatabaseManagementService d = running.get();
                if (d != null) {
                    d.shutdown();
                }
                System.out.println(PREFIX + "stopped");
            } catch (RuntimeException | InterruptedException e) {
                System.out.println(PREFIX + "shutdown failed: " + e);
            } finally {
                stopped.countDown();
                System.out.flush();
            }
        }, "redthread-neo4j-shutdown"));

        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home)
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    .setConfig(GraphDatabaseSettings.pagecache_memory,
                            bytes(System.getProperty("redthread.pagecache", "256m")))
                    .setConfig(GraphDatabaseSettings.memory_transaction_max_size,
                            bytes(System.getProperty("redthread.txmax", "256m")))
                    .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size,
                            bytes(System.getProperty("redthread.txtotal", "512m")))
                    .setConfig(GraphDatabaseSettings.transaction_timeout,
                            duration(System.getProperty("redthread.txtimeout", "120s")))
                    // dbms.usage_report.enabled=false: no phone-home from a laptop or CI.
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // Tests and benchmarks load millions of records into
                    // throw-away databases: keep little transaction log.
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "256M size")
                    // Bolt's Netty event loops wait a quiet period of 5 s each on shutdown;
                    // a dev server has nothing to wait for (databases are checkpointed first).
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    // Neo4j's user log (what neo4j.log holds in a server install) on stdout.
                    .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                    .build();
            running.set(dbms);
        } finally {
            built.countDown();
        }

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(TimeUnit.MINUTES.toMillis(5))) {
            System.out.println(PREFIX + "FAILED: database " + db.databaseName() + " is not available");
            System.exit(1);
        }
        db.executeTransactionally("RETURN 1");
        waitForPort(host, port, Duration.ofSeconds(60));

        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.println(PREFIX + "READY bolt://" + host + ":" + port + " (" + ms + " ms)");
        System.out.flush();

        stopped.await();
    }

    private static void waitForPort(String host, int port, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        System.out.println(PREFIX + "FAILED: Bolt port " + host + ":" + port + " is not accepting connections: " + last);
        System.exit(1);
    }

    private static String neo4jVersion() {
        Package p = DatabaseManagementServiceBuilder.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "5.26" : v;
    }

    /** Parses 256m, 1g, 512k or a plain number of bytes. */
    static long bytes(String s) {
        String t = s.trim().toLowerCase();
        long mult = 1;
        char last = t.charAt(t.length() - 1);
        switch (last) {
            case 'k': mult = 1L << 10; break;
            case 'm': mult = 1L << 20; break;
            case 'g': mult = 1L << 30; break;
            default: break;
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        return Long.parseLong(t) * mult;
    }

    /** Parses 120s, 5m, 500ms or a plain number of seconds; 0 means no timeout. */
    static Duration duration(String s) {
        String t = s.trim().toLowerCase();
        if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        if (t.endsWith("s")) return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        if (t.endsWith("m")) return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        if (t.endsWith("h")) return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
        return Duration.ofSeconds(Long.parseLong(t));
    }
}
