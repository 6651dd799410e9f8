package io.caucus.kv.cluster;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.server.CaucusNode;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Serves writes through whichever node leads: locally when this node leads, else forwarded to the leader's
 * client port. Reads are served here on every member that follows a leader: the node asks the leader for a read
 * index and answers from its own state machine (thesis §6.4.1), so reads spread over the replicas. Retries while no
 * leader is known, the leader changed, or an attempt's outcome is unknown, until the request timeout, and reports the
 * final failure honestly ({@link RetriedRequest}).
 *
 * <p>Nothing here stamps a time: the node that takes a write or a read into its core does ({@link TimeStamper}, as
 * the node's {@link io.caucus.server.RequestPreparer}), so forwarded writes carry the leader's time and reads this
 * node serves its own.
 */
public final class ClusterBackend implements KvBackend {

    private final CaucusNode node;
    /** The group {@link #node} is a replica of: 0 for a one-group cluster's node. */
    private final long group;
    private final ClusterDirectory directory;
    private final LeaderForwarder forwarder;
    private final ScheduledExecutorService scheduler;
    private final long requestTimeoutNanos;

    ClusterBackend(CaucusNode node, ClusterConfig config, LeaderForwarder forwarder,
                   ScheduledExecutorService scheduler, Duration requestTimeout) {
        this(node, new ClusterDirectory(config), forwarder, scheduler, requestTimeout);
    }

    public ClusterBackend(CaucusNode node, ClusterDirectory directory, LeaderForwarder forwarder,
                          ScheduledExecutorService scheduler, Duration requestTimeout) {
        this(node, 0, directory, forwarder, scheduler, requestTimeout);
    }

    /** For a replica of {@code group} in a sharded cluster: forwarded requests name their group. */
    public ClusterBackend(CaucusNode node, long group, ClusterDirectory directory, LeaderForwarder forwarder,
                          ScheduledExecutorService scheduler, Duration requestTimeout) {
        this.node = node;
        this.group = group;
        this.directory = directory;
        this.forwarder = forwarder;
        this.scheduler = scheduler;
        this.requestTimeoutNanos = requestTimeout.toNanos();
    }

    @Override
    public CompletableFuture<byte[]> submit(byte[] command) {
        return new Attempts(true, command).start();
    }

    @Override
    public CompletableFuture<byte[]> read(byte[] query) {
        return new Attempts(false, query).start();
    }

    @Override
    public CompletableFuture<byte[]> submitHere(byte[] command) {
        return node.submit(command);
    }

    @Override
    public CompletableFuture<byte[]> readHere(byte[] query) {
        return node.read(query);
    }

    @Override
    public NodeStatus status() {
        return node.status();
    }

    /** One request's attempts: here when this node leads (or serves the read), else at the leader's client port. */
    private final class Attempts extends RetriedRequest {
        /** A read this follower could not serve itself (its leader refused it): the leader serves it instead. */
        private boolean forwardRead;

        Attempts(boolean write, byte[] payload) {
            super(write, payload, scheduler, requestTimeoutNanos);
        }

        @Override
        protected CompletableFuture<byte[]> once() {
            NodeId leader = node.status().leader();
            if (leader == null) {
                return CompletableFuture.failedFuture(new NoLeaderException("no leader elected yet"));
            }
            if (leader.equals(node.id()) || (!write && !forwardRead)) {
                // A follower serves reads itself, at a read index the leader confirms (thesis §6.4.1).
                return write ? submitHere(payload) : readHere(payload);
            }
            // The log's address first: the cluster file may predate the leader (added later) or its move.
            java.util.Optional<java.net.InetSocketAddress> leaderClient = node.clientAddress(leader)
                    .or(() -> directory.node(leader).map(ClusterConfig.Node::client));
            if (leaderClient.isEmpty()) { // nothing was sent
                return CompletableFuture.failedFuture(new NoLeaderException("the log gives no client address for "
                        + "leader " + leader + " and it is not in the cluster file"));
            }
            return forwarder.forward(leader, leaderClient.get(), group, write, payload);
        }

        @Override
        protected void failedOnce(Throwable failure) {
            if (!write && failure instanceof NotLeaderException) {
                forwardRead = true;
            }
        }
    }
}
