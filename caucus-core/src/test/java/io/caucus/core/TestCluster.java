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
    /**
     * The snapshot store every member's runtime shares, by (index, term): the entries applied up to the index,
     * which is the state machine of these tests. Sharing it models the runtimes' transfer of snapshot data.
     */
    final Map<String, List<LogEntry>> snapshotStore = new LinkedHashMap<>();
    /** InstallSnapshot messages whose data transfer the runtimes should fail (reported to the leader). */
    final Set<NodeId> failSnapshotTransfersTo = new HashSet<>();
    long snapshotTransfersFailed;
    /** Messages lost without anyone noticing. */
    Predicate<RaftMessage> silentlyLost = message -> false;
    private final ClusterConfiguration configuration;
    private final RaftOptions options;
    private final Random random;

    final class Member {
        final NodeId id;
        InMemoryLog durableLog;
        HardState durableHardState = HardState.INITIAL;
        RaftNode node;
        final List<LogEntry> applied = new ArrayList<>();
        final List<Persist> pendingPersists = new ArrayList<>();
        final List<ReadResult> reads = new ArrayList<>();

        Member(NodeId id) {
            this.id = id;
            this.durableLog = new InMemoryLog(configuration);
            start();
        }

        void start() {
            applied.clear();
            pendingPersists.clear();
            node = RaftNode.start(id, configuration, options, durableHardState, durableLog, 0,
                    new Random(random.nextLong()));
        }

        void persist(Persist persist) {
            if (persist.snapshot() != null) {
                durableLog.installSnapshot(persist.snapshot());
            }
            durableLog.append(persist.entries());
            if (persist.hardState() != null) {
                durableHardState = persist.hardState();
            }
            node.persisted(persist.sequence());
        }
    }

    /** Snapshots {@code id}'s state machine at its applied index and compacts its log to it. */
    SnapshotMetadata compact(String id) {
        Member member = member(id);
        long index = member.applied.isEmpty() ? 0 : member.applied.get(member.applied.size() - 1).index();
        SnapshotMetadata snapshot = member.node.snapshotMetadataAt(index);
        snapshotStore.put(key(snapshot), List.copyOf(member.applied));
        member.node.compact(snapshot);
        return snapshot;
    }

    static String key(SnapshotMetadata snapshot) {
        return snapshot.lastIncludedIndex() + "/t" + snapshot.lastIncludedTerm();
    }

    TestCluster(int size) {
        this(size, RaftOptions.DEFAULTS, 42);
    }

    TestCluster(int size, RaftOptions options, long seed) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            ids.add("n" + i);
        }
        this.configuration = ClusterConfiguration.ofVoters(ids.toArray(String[]::new));
        this.options = options;
        this.random = new Random(seed);
        for (String id : ids) {
            members.put(NodeId.of(id), new Member(NodeId.of(id)));
        }
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

    private void deliver(RaftMessage message) {
        if (down.contains(message.to()) || down.contains(message.from())
                || cut.contains(message.from() + "->" + message.to())) {
            return;
        }
        if (silentlyLost.test(message)) {
            return;
        }
        if (message instanceof io.caucus.core.message.InstallSnapshot && failSnapshotTransfersTo.contains(message.to())) {
            snapshotTransfersFailed++;
            members.get(message.from()).node.reportSnapshotFailed(message.to());
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
        if (ready.restore() != null) {
            List<LogEntry> state = snapshotStore.get(key(ready.restore()));
            if (state == null) {
                throw new AssertionError(member.id + " asked to restore unknown snapshot " + key(ready.restore()));
            }
            member.applied.clear();
            member.applied.addAll(state);
            member.node.applied(ready.restore().lastIncludedIndex());
        }
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
