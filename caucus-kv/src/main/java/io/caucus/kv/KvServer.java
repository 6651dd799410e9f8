package io.caucus.kv;

import io.caucus.core.NodeId;
import io.caucus.kv.admin.AdminHttpServer;
import io.caucus.kv.admin.ClusterView;
import io.caucus.kv.admin.MembershipEndpoints;
import io.caucus.kv.admin.SnapshotEndpoint;
import io.caucus.kv.cluster.ClusterBackend;
import io.caucus.kv.cluster.ClusterDirectory;
import io.caucus.kv.cluster.KvBackend;
import io.caucus.kv.cluster.LeaderForwarder;
import io.caucus.kv.cluster.TimeStamper;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.server.HostPort;
import io.caucus.kv.config.NodeTls;
import io.caucus.kv.protocol.Acl;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.kv.protocol.ClientPort;
import io.caucus.kv.protocol.RespHandler;
import io.caucus.kv.state.KvStateMachine;
import io.caucus.kv.cluster.ExpirySweeper;
import io.caucus.kv.state.StateDigest;
import io.caucus.server.CaucusNode;
import io.caucus.transport.NettyIo;
import io.caucus.transport.TransportOptions;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** One key-value server: the Raft node with the KV state machine, the RESP port and the admin HTTP port. */
public final class KvServer implements AutoCloseable {

    /** How long POST /snapshot waits: writing a 1 GB state takes on the order of a minute on a slow disk. */
    private static final Duration SNAPSHOT_WAIT = Duration.ofMinutes(10);

    private final CaucusNode node;
    private final EventLoopGroup acceptors;
    /** Where client connections are served: the node's own loop, or a group of their own (owned). */
    private final EventLoopGroup workers;
    private final boolean ownWorkers;
    private final ScheduledExecutorService retries;
    private final LeaderForwarder forwarder;
    private final AdminHttpServer admin;
    private final Channel clientChannel;
    private final ExpirySweeper sweeper;
    private final KvMetrics metrics;

    /**
     * Serves {@code node} (already started, running a {@link KvStateMachine} and stamping its requests with a
     * {@link TimeStamper}) on {@code self}'s ports.
     */
    KvServer(ClusterConfig config, ClusterConfig.Node self, CaucusNode node) throws IOException {
        this(config, self, node, () -> null, () -> Long.MAX_VALUE);
    }

    /**
     * As above, with {@code digest} serving the admin port's {@code /digest}, and {@code nextExpiryMillis} (the
     * state machine's earliest key expiry) telling the leader when to propose an expiry sweep.
     */
    KvServer(ClusterConfig config, ClusterConfig.Node self, CaucusNode node, Supplier<StateDigest> digest,
             LongSupplier nextExpiryMillis) throws IOException {
        this(config, self, node, digest, nextExpiryMillis, NodeTls.load(config, self.id()));
    }

    /** As above, with the node's TLS material already read. */
    private KvServer(ClusterConfig config, ClusterConfig.Node self, CaucusNode node, Supplier<StateDigest> digest,
                     LongSupplier nextExpiryMillis, NodeTls tls) throws IOException {
        ClusterConfig.Tunables tunables = config.tunables();
        this.node = node;
        this.acceptors = NettyIo.newGroup(1, new DefaultThreadFactory("caucus-resp-accept", true));
        // Served on the node's loop, a client's command reaches the node without a thread hand-off; a node whose
        // executor is no Netty loop gets a client I/O thread of its own.
        EventLoop nodeLoop = node.executor() instanceof EventLoop loop ? loop : null;
        this.ownWorkers = tunables.clientIoThreads() > 0 || nodeLoop == null;
        this.workers = ownWorkers ? NettyIo.newGroup(Math.max(1, tunables.clientIoThreads()),
                new DefaultThreadFactory("caucus-resp", true)) : nodeLoop;
        this.retries = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("caucus-kv-retries").factory());
        this.forwarder = new LeaderForwarder(workers, config.clientAuth().nodePassword(), tls.client());
        KvMetrics metrics = new KvMetrics(node::metrics);
        this.metrics = metrics;
        ClusterDirectory directory = new ClusterDirectory(config);
        KvBackend backend = new ClusterBackend(node, directory, forwarder, retries, tunables.requestTimeout());
        Channel bound = null;
        try {
            Acl acl = Acl.of(config.clientAuth());
            bound = ClientPort.bind(acceptors, workers, self.client(), metrics, config.clientLimits(), tls.client(),
                    () -> new RespHandler(backend, metrics, acl, config.clientLimits()));
            this.admin = new AdminHttpServer(self.http(), node::status, metrics,
                    new MembershipEndpoints(node, directory, tunables.requestTimeout(), tls.admin()),
                    new SnapshotEndpoint(node, SNAPSHOT_WAIT), digest, tls.admin(), config.adminGuard(),
                    new ClusterView(node::status, metrics, node::adminAddress, directory, tls.admin()));
        } catch (Exception e) { // Netty rethrows a BindException undeclared
            if (bound != null) {
                bound.close().awaitUninterruptibly();
            }
            forwarder.close();
            stopThreads();
            throw new IOException("cannot listen on " + self.client() + " (redis) or " + self.http()
                    + " (http): " + e, e);
        }
        this.clientChannel = bound;
        this.sweeper = new ExpirySweeper(node, nextExpiryMillis, System::currentTimeMillis, retries);
    }

    /** Starts node {@code id} of {@code config}, its data in {@code dataDirectory}. */
    public static KvServer start(ClusterConfig config, NodeId id, Path dataDirectory) {
        return start(config, id, dataDirectory, false);
    }

    /**
     * Starts node {@code id} of {@code config}, its data in {@code dataDirectory}; with {@code join}, a node with
     * no data waits to be added to the running cluster (see {@link CaucusNode.Builder#join}). Members missing
     * from the file as it was read are looked up in it again (see {@link ClusterDirectory}).
     */
    public static KvServer start(ClusterConfig config, NodeId id, Path dataDirectory, boolean join) {
        ClusterConfig.Node self = config.node(id);
        requireOwnAddressesResolved(self);
        NodeTls tls = NodeTls.load(config, id); // before anything starts: bad material stops the node here
        ClusterConfig.Tunables tunables = config.tunables();
        ClusterDirectory addresses = new ClusterDirectory(config);
        KvStateMachine stateMachine = new KvStateMachine(tunables.maxSessions());
        CaucusNode node = CaucusNode.builder()
                .id(self.id().value())
                .peers(config.raftAddresses())
                .join(join)
                .addressResolver(member -> addresses.node(member).map(ClusterConfig.Node::raft))
                .clientAddresses(config.clientAddresses())
                .adminAddresses(config.adminAddresses())
                .dataDirectory(dataDirectory)
                .stateMachine(stateMachine)
                .requestPreparer(new TimeStamper(System::currentTimeMillis))
                .tickInterval(tunables.tickInterval())
                .raftOptions(tunables.raftOptions())
                .fsync(tunables.fsync())
                .requestTimeout(tunables.requestTimeout())
                .proposalLinger(tunables.proposalLinger())
                .snapshotOptions(tunables.snapshots())
                .transportOptions(TransportOptions.defaults().withMaxFrameBytes(config.maxPeerFrameBytes())
                        .withTls(tls.peer()))
                .start();
        try {
            return new KvServer(config, self, node, stateMachine::digest, stateMachine::nextExpiryMillis, tls);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw new UncheckedIOException("cannot start " + id + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** A peer's name may resolve late (the transport looks it up at each dial); this node's own must, to listen. */
    static void requireOwnAddressesResolved(ClusterConfig.Node self) {
        for (InetSocketAddress own : java.util.List.of(self.raft(), self.client(), self.http())) {
            if (own.isUnresolved()) {
                throw new IllegalArgumentException("cannot start " + self.id() + ": its own address "
                        + HostPort.format(own) + " does not resolve (yet), so it cannot listen there");
            }
        }
    }

    /** The request, error and client-limit counters this server's ports report. */
    KvMetrics metrics() {
        return metrics;
    }

    /** Admin requests refused for want of a token or client certificate. */
    long adminRefusedRequests() {
        return admin.refusedRequests();
    }

    public CaucusNode node() {
        return node;
    }

    @Override
    public void close() {
        sweeper.close();
        clientChannel.close().awaitUninterruptibly();
        admin.close();
        forwarder.close(); // before the node: its connections may be served on the node's loop
        node.close();
        stopThreads();
    }

    private void stopThreads() {
        retries.shutdownNow();
        if (ownWorkers) {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
