package io.caucus.kv.cluster;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A data group with no replica on this node, reached through the client port of a node that has one (a sharded
 * cluster's slot mover uses it for the groups the layout did not put on its node). The already-encoded entry or query
 * travels unchanged as {@code CAUCUS.SUBMIT <bytes> <group>} (or {@code CAUCUS.READ}) through the node's {@link
 * LeaderForwarder}, so its session, sequence or fencing term is what the group sees. The receiving replica serves it
 * if it leads the group (a follower also serves a read, at a read index its leader confirms: thesis §6.4.1), or
 * answers {@code NOTLEADER} naming the leader, where the next attempt goes (thesis §6.2: clients find the leader
 * through the servers' hints). A replica that cannot be reached, or knows no leader, is left for the next one in the
 * map's order.
 *
 * <p>Retries and the final error are {@link ClusterBackend}'s ({@link RetriedRequest}): an attempt whose outcome is
 * unknown makes the request's final failure unknown, and a "not applied" one stays "not applied".
 *
 * <p>There is no replica here to take a forwarded command ({@link #submitHere}, {@link #readHere}) or to report a
 * status ({@link #status}).
 */
public final class RemoteGroupBackend implements KvBackend {

    private final long group;
    private final Supplier<List<NodeId>> replicas;
    private final Function<NodeId, Optional<InetSocketAddress>> clientAddresses;
    private final LeaderForwarder forwarder;
    private final ScheduledExecutorService scheduler;
    private final long requestTimeoutNanos;
    /** The replica that last answered, or that a replica named as the leader: where requests go first. */
    private volatile NodeId likelyLeader;

    /**
     * @param replicas        the group's replicas as the slot map in force lists them, asked again at each attempt
     * @param clientAddresses a node's client port (the log's address first, then the cluster file's)
     */
    public RemoteGroupBackend(long group, Supplier<List<NodeId>> replicas,
                              Function<NodeId, Optional<InetSocketAddress>> clientAddresses,
                              LeaderForwarder forwarder, ScheduledExecutorService scheduler, Duration requestTimeout) {
        this.group = group;
        this.replicas = replicas;
        this.clientAddresses = clientAddresses;
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

    /** Not applied: this node has no replica of the group to submit to (a forwarded command lands on replicas only). */
    @Override
    public CompletableFuture<byte[]> submitHere(byte[] command) {
        return CompletableFuture.failedFuture(new NotLeaderException(likelyLeader));
    }

    @Override
    public CompletableFuture<byte[]> readHere(byte[] query) {
        return CompletableFuture.failedFuture(new NotLeaderException(likelyLeader));
    }

    @Override
    public NodeStatus status() {
        throw new UnsupportedOperationException("group " + group + " has no replica on this node: no view of it here");
    }

    /** One request's attempts, each at the likely leader if one is known, else at the next replica of the map's. */
    private final class Attempts extends RetriedRequest {
        /** Which replica to try when no leader is known: its index in the map's list, taken modulo its length. */
        private int nextReplica;
        private NodeId tried;

        Attempts(boolean write, byte[] payload) {
            super(write, payload, scheduler, requestTimeoutNanos);
        }

        @Override
        protected CompletableFuture<byte[]> once() {
            List<NodeId> nodes = replicas.get();
            if (nodes.isEmpty()) {
                return CompletableFuture.failedFuture(new NoLeaderException("group " + group
                        + " has no replicas in the slot map in force here"));
            }
            NodeId leader = likelyLeader;
            tried = leader != null && nodes.contains(leader) ? leader
                    : nodes.get(Math.floorMod(nextReplica, nodes.size()));
            Optional<InetSocketAddress> address = clientAddresses.apply(tried);
            if (address.isEmpty()) { // nothing was sent
                return CompletableFuture.failedFuture(new NoLeaderException("no client address known for node "
                        + tried + ", a replica of group " + group));
            }
            return forwarder.forward(tried, address.get(), group, write, payload).thenApply(answer -> {
                likelyLeader = tried;
                return answer;
            });
        }

        /**
         * Follows a replica's hint naming the leader (if the map lists it as a replica: a node answering for a group
         * it does not replicate names no leader); anything else moves on to the next replica.
         */
        @Override
        protected void failedOnce(Throwable failure) {
            if (failure instanceof NotLeaderException notLeader && notLeader.leader() != null
                    && !notLeader.leader().equals(tried) && replicas.get().contains(notLeader.leader())) {
                likelyLeader = notLeader.leader();
                return;
            }
            if (tried != null && tried.equals(likelyLeader)) {
                likelyLeader = null;
            }
            nextReplica = replicas.get().indexOf(tried) + 1;
        }
    }
}
