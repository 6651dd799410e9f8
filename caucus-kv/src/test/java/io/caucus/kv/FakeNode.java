package io.caucus.kv;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.kv.cluster.TimeStamper;
import io.caucus.kv.state.KvStateMachine;
import io.caucus.server.CaucusNode;
import io.caucus.server.Membership;
import io.caucus.server.DurationHistogram;
import io.caucus.server.RuntimeMetrics;
import io.caucus.transport.TransportMetrics;
import io.caucus.server.StateMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A single-node stand-in for the runtime: commands apply at once to a real {@link KvStateMachine} at
 * increasing indexes, stamped with the time as the service's node stamps them. Failures can be scripted: each queued supplier answers one submit instead.
 */
public final class FakeNode implements CaucusNode {

    public final KvStateMachine stateMachine = new KvStateMachine(100);
    /** Stamps each request as it is taken, as the service's node does ({@link KvServer#start}). */
    private final TimeStamper stamper = new TimeStamper(System::currentTimeMillis);
    public final Queue<Supplier<RuntimeException>> scriptedSubmitFailures = new ArrayDeque<>();
    public final Queue<Supplier<RuntimeException>> scriptedReadFailures = new ArrayDeque<>();
    public int reads;
    /** Every command and query handed to this node, as handed (before the node stamps it). */
    public final java.util.List<byte[]> received = new java.util.ArrayList<>();
    public volatile NodeId leader;
    private final NodeId id;
    private long index;
    public int submits;
    volatile boolean takesSnapshots = true;
    /** The data of the last snapshot {@link #takeSnapshot()} took, written by the real state machine. */
    volatile byte[] lastSnapshotBytes;

    /** When set, what every read answers instead of {@link #stateMachine}'s query (a node of another group). */
    public volatile java.util.function.UnaryOperator<byte[]> readAnswer;

    public FakeNode(String id) {
        this.id = NodeId.of(id);
        this.leader = this.id;
    }

    /** The thread that made the latest submit. */
    volatile String lastSubmitThread;

    @Override
    public synchronized CompletableFuture<byte[]> submit(byte[] command) {
        submits++;
        received.add(command.clone());
        lastSubmitThread = Thread.currentThread().getName();
        Supplier<RuntimeException> failure = scriptedSubmitFailures.poll();
        if (failure != null) {
            return CompletableFuture.failedFuture(failure.get());
        }
        return CompletableFuture.completedFuture(stateMachine.apply(++index, stamper.command(command.clone())));
    }

    /** Applies {@code command} but reports the outcome as unknown, like a leader that lost its term after. */
    public synchronized CompletableFuture<byte[]> applyButLoseReply(byte[] command, RuntimeException failure) {
        stateMachine.apply(++index, stamper.command(command.clone()));
        return CompletableFuture.failedFuture(failure);
    }

    @Override
    public synchronized CompletableFuture<io.caucus.core.SnapshotMetadata> takeSnapshot() {
        if (!takesSnapshots) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("snapshots switched off"));
        }
        try (StateMachine.Snapshot snapshot = stateMachine.snapshot(index)) {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            snapshot.writeTo(data);
            lastSnapshotBytes = data.toByteArray();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.completedFuture(new io.caucus.core.SnapshotMetadata(index, 1,
                ClusterConfiguration.ofVoters(id.value())));
    }

    /** The data of the last snapshot taken, if {@code snapshot} is that one. */
    @Override
    public synchronized java.io.InputStream openSnapshot(io.caucus.core.SnapshotMetadata snapshot) throws IOException {
        if (lastSnapshotBytes == null || snapshot.lastIncludedIndex() != index) {
            throw new IOException("snapshot " + snapshot.lastIncludedIndex() + " is not kept");
        }
        return new java.io.ByteArrayInputStream(lastSnapshotBytes);
    }

    @Override
    public synchronized CompletableFuture<byte[]> read(byte[] query) {
        reads++;
        received.add(query.clone());
        Supplier<RuntimeException> failure = scriptedReadFailures.poll();
        if (failure != null) {
            return CompletableFuture.failedFuture(failure.get());
        }
        java.util.function.UnaryOperator<byte[]> answer = readAnswer;
        return CompletableFuture.completedFuture(answer != null ? answer.apply(query.clone())
                : stateMachine.query(stamper.query(query.clone())));
    }

    @Override
    public RuntimeMetrics metrics() {
        return new RuntimeMetrics(0, 0, 0, 0, 0,
                TransportMetrics.NONE, new DurationHistogram());
    }

    @Override
    public synchronized NodeStatus status() {
        return new NodeStatus(id, leader != null && leader.equals(id) ? Role.LEADER : Role.FOLLOWER, 1, leader,
                index, index, index, ClusterConfiguration.ofVoters(id.value()), Map.of());
    }

    /**
     * Answers every membership change and transfer (operation name such as "addLearner", node): by default a
     * refusal, as a node that cannot change membership would give.
     */
    public volatile java.util.function.BiFunction<String, NodeId, CompletableFuture<Membership>> membershipAnswer =
            (operation, node) -> CompletableFuture.failedFuture(
                    new io.caucus.server.NoLeaderException("FakeNode does not change membership"));

    /** Members this node reports besides itself, as a log would name them (with their addresses). */
    public volatile java.util.List<Membership.Member> otherMembers = java.util.List.of();

    @Override
    public Membership members() {
        NodeStatus status = status();
        java.util.List<Membership.Member> members = new java.util.ArrayList<>();
        members.add(new Membership.Member(id, Membership.Part.VOTER, status.lastIndex(), true,
                java.util.Optional.empty()));
        members.addAll(otherMembers);
        return new Membership(id, status.leader(), status.term(), status.configuration(), members);
    }

    @Override
    public CompletableFuture<Membership> addLearner(NodeId node, io.caucus.server.NodeAddresses addresses) {
        return membershipAnswer.apply("addLearner " + ports(addresses), node);
    }

    @Override
    public CompletableFuture<Membership> changeAddresses(NodeId node, io.caucus.server.NodeAddresses addresses) {
        return membershipAnswer.apply("changeAddresses " + ports(addresses), node);
    }

    /** The Raft port, then the client and admin ports where given: "7004", "7004 6379 8004". */
    private static String ports(io.caucus.server.NodeAddresses addresses) {
        return addresses.raft().getPort() + addresses.clientAddress().map(a -> " " + a.getPort()).orElse("")
                + addresses.adminAddress().map(a -> " " + a.getPort()).orElse("");
    }

    @Override
    public CompletableFuture<Membership> promote(NodeId node) {
        return membershipAnswer.apply("promote", node);
    }

    @Override
    public CompletableFuture<Membership> remove(NodeId node) {
        return membershipAnswer.apply("remove", node);
    }

    @Override
    public CompletableFuture<Membership> transferLeadership(NodeId target) {
        return membershipAnswer.apply("transferLeadership", target);
    }

    @Override
    public NodeId id() {
        return id;
    }

    @Override
    public java.util.Optional<java.net.InetSocketAddress> clientAddress(NodeId node) {
        return java.util.Optional.ofNullable(loggedClientAddresses.get(node));
    }

    /** Client addresses as a log would give them; none unless a test puts some. */
    public final Map<NodeId, java.net.InetSocketAddress> loggedClientAddresses =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Admin addresses as a log would give them; none unless a test puts some. */
    public final Map<NodeId, java.net.InetSocketAddress> loggedAdminAddresses =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public java.util.Optional<java.net.InetSocketAddress> adminAddress(NodeId node) {
        return java.util.Optional.ofNullable(loggedAdminAddresses.get(node));
    }

    @Override
    public java.util.Optional<Throwable> failure() {
        return java.util.Optional.empty();
    }

    /** A loop of its own, as a node has: created when first asked for, stopped by close(). */
    private io.netty.channel.EventLoopGroup loop;

    /** The name of executor()'s thread. */
    String executorThreadName() {
        try {
            return executor().submit(() -> Thread.currentThread().getName()).get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized io.netty.channel.EventLoop executor() {
        if (loop == null) {
            loop = io.caucus.transport.NettyIo.newGroup(1,
                    new io.netty.util.concurrent.DefaultThreadFactory("fake-node-" + id, true));
        }
        return loop.next();
    }

    @Override
    public synchronized void close() {
        if (loop != null) {
            loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
