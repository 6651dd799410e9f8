package io.caucus.kv.cluster;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.protocol.Replies;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.EntryCodec;
import io.caucus.server.CaucusException;
import io.caucus.server.CaucusNode;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.server.ShutdownException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves writes through whichever node leads: locally when this node leads, else forwarded to the leader's
 * client port. Reads are served here on every member that follows a leader: the node asks the leader for a read
 * index and answers from its own state machine (thesis §6.4.1), so reads spread over the replicas. Retries while no leader is known, the leader changed, or an attempt's outcome is unknown,
 * until the request timeout. Retrying a write whose outcome is unknown is safe because every write carries
 * its session and sequence number (thesis §6.3): the state machine applies it at most once.
 *
 * <p>The final failure is honest: if any attempt's outcome was unknown, the write is reported as unknown
 * (that attempt may still commit), otherwise as the last "not applied" reason.
 *
 * <p>Nothing here stamps a time: the node that takes a write or a read into its core does ({@link TimeStamper}, as
 * the node's {@link io.caucus.server.RequestPreparer}), so forwarded writes carry the leader's time and reads this
 * node serves its own.
 */
public final class ClusterBackend implements KvBackend {

    private static final long FIRST_BACKOFF_MILLIS = 10;
    private static final long MAX_BACKOFF_MILLIS = 200;

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

    /**
     * True if the state machine refused the request for now, safe to retry: a write behind an earlier write of its
     * session (OUTOFORDER), or a key in transit between two groups during a slot move (TRYAGAIN, writes and reads).
     */
    private static boolean refusedForNow(byte[] result, boolean write) {
        try {
            return EntryCodec.decodeReply(result) instanceof Reply.Error error
                    && ((write && error.code().equals(ErrorCodes.OUTOFORDER))
                    || error.code().equals(ErrorCodes.TRYAGAIN));
        } catch (EntryCodec.MalformedException e) {
            return false; // handed to the client as is; RespHandler reports it
        }
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

    /** The attempts for one request; each runs when the previous one has failed. */
    private final class Attempts {
        private final boolean write;
        private final byte[] payload;
        private final long deadlineNanos = System.nanoTime() + requestTimeoutNanos;
        private final CompletableFuture<byte[]> answer = new CompletableFuture<>();
        private boolean outcomeUncertain;
        /** A read this follower could not serve itself (its leader refused it): the leader serves it instead. */
        private boolean forwardRead;
        private long backoffMillis = FIRST_BACKOFF_MILLIS;

        Attempts(boolean write, byte[] payload) {
            this.write = write;
            this.payload = payload;
        }

        CompletableFuture<byte[]> start() {
            attempt();
            return answer;
        }

        private void attempt() {
            CompletableFuture<byte[]> result;
            try {
                result = once();
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            result.whenComplete((value, failure) -> {
                if (failure != null) {
                    onFailure(Replies.unwrap(failure));
                } else if (refusedForNow(value, write)) {
                    onRefusedForNow(value);
                } else {
                    answer.complete(value);
                }
            });
        }

        private CompletableFuture<byte[]> once() {
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

        /** Refused for now (OUTOFORDER, TRYAGAIN): nothing was applied, so it is safe to retry. */
        private void onRefusedForNow(byte[] refusal) {
            if (retryLater()) {
                return;
            }
            if (outcomeUncertain) {
                answer.completeExceptionally(new OutcomeUnknownException(
                        "an earlier attempt's outcome is unknown, then the write was refused for now"));
            } else {
                answer.complete(refusal);
            }
        }

        /** Schedules another attempt if the deadline leaves room for the backoff; false if it does not. */
        private boolean retryLater() {
            long remainingNanos = deadlineNanos - System.nanoTime();
            if (remainingNanos <= TimeUnit.MILLISECONDS.toNanos(backoffMillis)) {
                return false;
            }
            try {
                scheduler.schedule(this::attempt, backoffMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) { // the server is closing
                answer.completeExceptionally(outcomeUncertain
                        ? new OutcomeUnknownException("the server closed while retrying")
                        : new ShutdownException("the server closed while retrying"));
                return true;
            }
            backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
            return true;
        }

        private void onFailure(Throwable failure) {
            if (!write && failure instanceof NotLeaderException) {
                forwardRead = true;
            }
            boolean refusedAsInvalid = failure instanceof IllegalArgumentException
                    || failure instanceof ForwardingRefusedException; // e.g. larger than maxCommandBytes
            if (write && !refusedAsInvalid && !(failure instanceof CaucusException known && known.outcomeKnown())) {
                outcomeUncertain = true;
            }
            boolean retryable = switch (failure) {
                case OverloadedException e -> false; // back-pressure: the client should slow down
                case ShutdownException e -> false;
                default -> !refusedAsInvalid;
            };
            if (retryable && retryLater()) {
                return;
            }
            answer.completeExceptionally(outcomeUncertain && !(failure instanceof OutcomeUnknownException)
                    ? new OutcomeUnknownException("an earlier attempt's outcome is unknown, then: "
                            + failure.getMessage())
                    : failure);
        }
    }
}
