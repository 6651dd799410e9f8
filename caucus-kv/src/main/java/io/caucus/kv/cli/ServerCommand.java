package io.caucus.kv.cli;

import io.caucus.kv.KvServer;
import io.caucus.kv.ShardedKvServer;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.server.HostPort;
import io.netty.util.ResourceLeakDetector;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code caucus server --config FILE --id ID [--data DIR] [--join]}: runs one node until SIGTERM or Ctrl-C. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Run one node of a cluster.")
final class ServerCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

    @Option(names = "--config", required = true, description = "The cluster's YAML file.")
    Path config;

    @Option(names = "--id", required = true, description = "This node's id, as listed in the file.")
    String id;

    @Option(names = "--data", description = "Data directory (default: <dataDirectory>/<id>, i.e. ./data/<id>).")
    Path data;

    @Option(names = "--join", description = "Join the running cluster: with no data yet, take no part until the "
            + "leader adds this node ('caucus member add'; in a sharded cluster the metadata leader adds every node "
            + "its cluster file lists, and 'caucus rebalance --replicas' gives it replicas). Needed for any node added "
            + "after the cluster started, and for one whose data was wiped. Ignored once the node has data.")
    boolean join;

    @Override
    public Integer call() throws InterruptedException {
        LogSetup.nodeIs(id);
        disableLeakDetectionUnlessConfigured();
        ClusterConfig cluster = ConfigLoader.load(config);
        ClusterConfig.Node self = cluster.node(id);
        Path directory = data != null ? data : cluster.dataDirectoryOf(self.id());
        AutoCloseable server;
        if (cluster.sharding().enabled()) {
            server = ShardedKvServer.start(cluster, self.id(), directory, join);
        } else {
            server = KvServer.start(cluster, self.id(), directory, join);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                LOG.warn("while stopping: {}", e.toString());
            }
            stopped.countDown();
        }, "caucus-shutdown"));
        LOG.info("serving: redis on {}, admin http on {}, raft on {}, data in {}", HostPort.format(self.client()),
                HostPort.format(self.http()), HostPort.format(self.raft()), directory);
        stopped.await();
        return 0;
    }

    /**
     * Netty's default leak detector records a stack trace for a sample of buffers (about 100 per second per
     * node under load, measured with JFR); a server turns it off unless the operator asked for a level with
     * {@code -Dio.netty.leakDetection.level=...}. Tests, which run the server in-process, keep the default.
     */
    static void disableLeakDetectionUnlessConfigured() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }
}
