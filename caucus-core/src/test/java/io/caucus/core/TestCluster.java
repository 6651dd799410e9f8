package io.caucus.core;

import io.caucus.core.message.RaftMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A tiny synchronous cluster for unit tests of the core: messages go into one FIFO queue, persistence
 * completes when {@link #persistAll()} runs (or at once in auto mode), and committed entries are applied into
 * a per-node list. The full fault-injecting simulator lives in caucus-sim; this harness keeps core tests fast
 * and readable.
 */
final class TestCluster {

    final Map<NodeId, Member> members = new LinkedHashMap<>();
    final ArrayDeque<RaftMessage> network = new ArrayDeque<>();
    final List<RaftMessage> delivered = new ArrayList<>();
    final Set<NodeId> down = new HashSet<>();
    /** Pairs "from->to" whose messages are dropped. */
    final Set<String> cut = new HashSet<>();
    boolean autoPersist = true;
    private final ClusterConfiguration configuration;
    private final RaftOptions options;
    private final Random random;

    final class Member {
        final NodeId id;
        /** The configuration passed to start(): the cluster's, or for a joining node one without it as voter. */
        final ClusterConfiguration bootstrap;
        InMemoryLog durableLog;
        HardState durableHardState = HardState.INITIAL;
        RaftNode node;
        final List<LogEntry> applied = new ArrayList<>();
        final List<Persist> pendingPersists = new ArrayList<>();
        final List<ReadResult> reads = new ArrayList<>();

        Member(NodeId id, ClusterConfiguration bootstrap) {
            this.id = id;
            this.bootstrap = bootstrap;
            this.durableLog = new InMemoryLog(bootstrap);
            start();
        }

        void start() {
            applied.clear();
            pendingPersists.clear();
            node = RaftNode.start(id, bootstrap, options, durableHardState, durableLog, 0,
                    new Random(random.nextLong()));
        }

        void persist(Persist persist) {
            durableLog.append(persist.entries());
            if (persist.hardState() != null) {
                durableHardState = persist.hardState();
            }
            node.persisted(persist.sequence());
        }
    }

    TestCluster(int size) {
        this(size, RaftOptions.DEFAULTS, 42);
    }

    TestCluster(int size, RaftOptions options, long seed) {
        this(ClusterConfiguration.ofVoters(ids(size)), options, seed);
    }

    /** A cluster of every member of {@code configuration}, each started with it (it may be joint). */
    TestCluster(ClusterConfiguration configuration, RaftOptions options, long seed) {
        this.configuration = configuration;
        this.options = options;
        this.random = new Random(seed);
        for (NodeId id : configuration.members()) {
            members.put(id, new Member(id, configuration));
        }
    }

    private static String[] ids(int size) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            ids.add("n" + i);
        }
        return ids.toArray(String[]::new);
    }

    /**
     * Starts a new node with an empty log and {@code bootstrap} as its configuration (one in which it is not a
     * voter): it waits for a leader to reach it.
     */
    Member addMember(String id, ClusterConfiguration bootstrap) {
        Member member = new Member(NodeId.of(id), bootstrap);
        members.put(member.id, member);
        return member;
    }

    Member member(String id) {
        return members.get(NodeId.of(id));
    }

    RaftNode node(String id) {
        return member(id).node;
    }

    /** Drains every node's Ready until nothing is left to do and no message is in flight. */
    void settle() {
        for (int rounds = 0; rounds < 100_000; rounds++) {
            boolean progressed = drainReadies();
            RaftMessage message = network.pollFirst();
            if (message == null) {
                if (!progressed) {
                    return;
                }
                continue;
            }
            deliver(message);
        }
        throw new AssertionError("cluster did not settle");
    }

    /**
     * Takes every Ready and delivers messages one at a time until {@code condition} holds; true if it did before
     * the cluster settled.
     */
    boolean settleUntil(Predicate<TestCluster> condition) {
        for (int rounds = 0; rounds < 100_000; rounds++) {
            if (condition.test(this)) {
                return true;
            }
            boolean progressed = drainReadies();
            if (condition.test(this)) {
                return true;
            }
            RaftMessage message = network.pollFirst();
            if (message == null && !progressed) {
                return false;
            }
            if (message != null) {
                deliver(message);
            }
        }
        throw new AssertionError("cluster did not settle");
    }

    private void deliver(RaftMessage message) {
        if (!members.containsKey(message.to()) || down.contains(message.to()) || down.contains(message.from())
                || cut.contains(message.from() + "->" + message.to())) {
            return;
        }
        delivered.add(message);
        members.get(message.to()).node.step(message);
    }

    /** Takes one Ready from every live node that has one; returns true if any did. */
    boolean drainReadies() {
        boolean any = false;
        for (Member member : members.values()) {
            if (down.contains(member.id)) {
                continue;
            }
            while (member.node.hasReady()) {
                any = true;
                handle(member, member.node.ready());
            }
        }
        return any;
    }

    private void handle(Member member, Ready ready) {
        network.addAll(ready.messages());
        member.reads.addAll(ready.reads());
        if (ready.persist() != null) {
            if (autoPersist) {
                member.persist(ready.persist());
            } else {
                member.pendingPersists.add(ready.persist());
            }
        }
        if (!ready.committedEntries().isEmpty()) {
            member.applied.addAll(ready.committedEntries());
            member.node.applied(ready.committedEntries().get(ready.committedEntries().size() - 1).index());
        }
    }

    /** Completes every persist instruction handed out so far (manual persistence mode). */
    void persistAll() {
        for (Member member : members.values()) {
            List<Persist> pending = new ArrayList<>(member.pendingPersists);
            member.pendingPersists.clear();
            for (Persist persist : pending) {
                member.persist(persist);
            }
        }
    }

    void tickAll(int ticks) {
        for (int i = 0; i < ticks; i++) {
            for (Member member : members.values()) {
                if (!down.contains(member.id)) {
                    member.node.tick();
                }
            }
            settle();
        }
    }

    /** Ticks until {@code condition} holds, failing after {@code maxTicks}. */
    void tickUntil(Predicate<TestCluster> condition, int maxTicks) {
        for (int i = 0; i < maxTicks; i++) {
            if (condition.test(this)) {
                return;
            }
            tickAll(1);
        }
        if (!condition.test(this)) {
            throw new AssertionError("condition not reached within " + maxTicks + " ticks");
        }
    }

    RaftNode leader() {
        RaftNode found = null;
        long bestTerm = -1;
        for (Member member : members.values()) {
            if (!down.contains(member.id) && member.node.role() == Role.LEADER && member.node.term() > bestTerm) {
                found = member.node;
                bestTerm = member.node.term();
            }
        }
        return found;
    }

    RaftNode electLeader() {
        tickUntil(cluster -> cluster.leader() != null, 500);
        return leader();
    }

    void crash(String id) {
        down.add(NodeId.of(id));
        member(id).pendingPersists.clear();
        network.removeIf(message -> message.to().equals(NodeId.of(id)) || message.from().equals(NodeId.of(id)));
    }

    void restart(String id) {
        down.remove(NodeId.of(id));
        member(id).start();
    }

    void cut(String from, String to) {
        cut.add(from + "->" + to);
    }

    /** Cuts both directions between {@code id} and every other node. */
    void isolate(String id) {
        for (NodeId other : members.keySet()) {
            if (!other.equals(NodeId.of(id))) {
                cut.add(id + "->" + other);
                cut.add(other + "->" + id);
            }
        }
    }

    void heal() {
        cut.clear();
    }

    long count(Class<? extends RaftMessage> type) {
        return delivered.stream().filter(type::isInstance).count();
    }
}
