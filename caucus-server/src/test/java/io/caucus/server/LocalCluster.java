package io.caucus.server;

import static io.caucus.server.RecordingStateMachine.bytes;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.core.testing.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A cluster of real nodes in this JVM, talking over loopback TCP. Nodes may be stopped from another thread. */
public final class LocalCluster implements AutoCloseable {

    public static final Duration WAIT = Duration.ofSeconds(30);
    /** How often a waiting test looks at its condition again. */
    public static final Duration POLL = Duration.ofMillis(10);

    /** Starts one node; the same id must find the same durable data each time. */
    public interface NodeFactory {
        CaucusNode start(NodeId id, Map<NodeId, InetSocketAddress> peers, StateMachine stateMachine);
    }

    private final NodeFactory factory;
    private final Map<NodeId, InetSocketAddress> peers;
    private final Map<NodeId, CaucusNode> running = new ConcurrentSkipListMap<>();
    private final Map<NodeId, RecordingStateMachine> machines = new ConcurrentSkipListMap<>();

    public LocalCluster(int size, NodeFactory factory) {
        this.factory = factory;
        Map<NodeId, InetSocketAddress> addresses = new LinkedHashMap<>();
        for (int i = 1; i <= size; i++) {
            addresses.put(NodeId.of("n" + i), freeLoopbackAddress());
        }
        this.peers = Map.copyOf(addresses);
    }

    /** A loopback address whose port was free a moment ago, from below the ephemeral range (LoopbackPorts). */
    public static InetSocketAddress freeLoopbackAddress() {
        try {
            return new InetSocketAddress("127.0.0.1", LoopbackPorts.reserve(1).getFirst());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every node's peer address, whether it runs or not. */
    public Map<NodeId, InetSocketAddress> peers() {
        return peers;
    }

    public Set<NodeId> ids() {
        return new TreeMap<>(peers).keySet();
    }

    public LocalCluster startAll() {
        ids().forEach(this::start);
        return this;
    }

    /** Starts (or restarts) a node with a fresh state machine, which replays the committed log. */
    public CaucusNode start(NodeId id) {
        if (running.containsKey(id)) {
            throw new IllegalStateException(id + " is running");
        }
        RecordingStateMachine machine = new RecordingStateMachine();
        CaucusNode node = factory.start(id, peers, machine);
        running.put(id, node);
        machines.put(id, machine);
        return node;
    }

    public void stop(NodeId id) {
        CaucusNode node = running.remove(id);
        if (node != null) {
            node.close();
        }
    }

    public CaucusNode node(NodeId id) {
        CaucusNode node = running.get(id);
        if (node == null) {
            throw new IllegalStateException(id + " is not running");
        }
        return node;
    }

    public RecordingStateMachine machine(NodeId id) {
        return machines.get(id);
    }

    public List<CaucusNode> runningNodes() {
        return new ArrayList<>(running.values());
    }

    /** Waits until one running node leads and every running node follows it in its term. */
    public CaucusNode awaitLeader() {
        return await("a leader that every running node follows").atMost(WAIT).pollInterval(POLL).until(() -> {
            CaucusNode leader = null;
            for (CaucusNode node : running.values()) {
                if (node.status().role() == Role.LEADER) {
                    leader = node;
                }
            }
            if (leader == null) {
                return null;
            }
            NodeStatus leaderStatus = leader.status();
            for (CaucusNode node : running.values()) {
                NodeStatus status = node.status();
                if (status.term() != leaderStatus.term() || !leader.id().equals(status.leader())) {
                    return null;
                }
            }
            return leader;
        }, Objects::nonNull);
    }

    /**
     * Submits at the current leader until a submission succeeds (retrying only where the outcome is known not
     * to have applied, so each command applies at most once); returns the result.
     */
    public String submitAtLeader(String command) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            CaucusNode leader = awaitLeader();
            try {
                byte[] result = leader.submit(bytes(command)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                return RecordingStateMachine.text(result);
            } catch (Exception e) {
                Throwable cause = e instanceof CompletionException || e instanceof ExecutionException
                        ? e.getCause() : e;
                if (!(cause instanceof CaucusException caucus) || !caucus.outcomeKnown()
                        || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("submitting " + command + " failed", cause);
                }
            }
        }
    }

    /** Waits until the given node's state machine has applied exactly {@code expected}. */
    public void awaitApplied(NodeId id, List<String> expected) {
        await(id + " to apply " + expected).atMost(WAIT).pollInterval(POLL)
                .until(() -> machine(id).applied().equals(expected));
    }

    @Override
    public void close() {
        for (NodeId id : List.copyOf(running.keySet())) {
            stop(id);
        }
    }
}
