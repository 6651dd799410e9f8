package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.server.CaucusNode;
import io.caucus.server.StateMachine;
import io.caucus.transport.TransportOptions;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The production runtime under random faults in virtual time ({@link VirtualWorld}): crashes and restarts,
 * partitions, message loss, with clients writing and reading all along. Checked before every event: at most
 * one leader per term (§5.2) and no two nodes applying different commands at one index (§5.4.3). Checked on
 * every answer: a write acknowledged is applied everywhere at the end; a read sees every write acknowledged
 * before it was sent, and only committed ones (linearizable reads, thesis §6.4). After the faults: the healed
 * cluster elects a leader, commits, and every node converges.
 *
 * <p>The second run puts every node on the production store ({@link DurableLogStore} on a
 * {@link io.caucus.storage.SimulatedDisk}) with snapshots every few entries: a crash loses what was not synced
 * and may tear the last write kept, the node restarts from what the storage code recovers, and snapshots are
 * taken, compacted, streamed and installed all along. There, each snapshot a node restores from must agree with
 * the commands committed at its indexes too.
 *
 * <p>{@code -Dcaucus.runtime.seeds=N -Dcaucus.runtime.firstSeed=S -Dcaucus.runtime.faultSeconds=T} run more;
 * {@code -Dcaucus.runtime.snapshotSeeds=N} more of the second run.
 */
class VirtualTimeFaultsTest {

    private static final int SEEDS = Integer.getInteger("caucus.runtime.seeds", 10);
    private static final int SNAPSHOT_SEEDS = Integer.getInteger("caucus.runtime.snapshotSeeds", 3);
    private static final long FIRST_SEED = Long.getLong("caucus.runtime.firstSeed", 1);
    private static final int FAULT_SECONDS = Integer.getInteger("caucus.runtime.faultSeconds", 10);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Test
    void safetyAndLivenessUnderCrashesPartitionsAndLoss() {
        runSeeds(SEEDS, false);
    }

    @Test
    void safetyAndLivenessWithSnapshotsAndTornWritesUnderCrashesPartitionsAndLoss() {
        Totals totals = runSeeds(SNAPSHOT_SEEDS, true);
        assertThat(totals.snapshotsRestored).as("snapshots restored (at a restart or installed from a leader)")
                .isPositive();
    }

    @Test
    void aSeedReproducesItsRunWithSnapshotsCrashesAndTornWritesEventForEvent() {
        FaultRun first = new FaultRun(FIRST_SEED, true);
        first.run();
        FaultRun again = new FaultRun(FIRST_SEED, true);
        again.run();
        assertThat(again.world.trace()).isEqualTo(first.world.trace());
        assertThat(again.world.eventsRun()).isEqualTo(first.world.eventsRun());
        assertThat(again.snapshotsRestored).isEqualTo(first.snapshotsRestored).isPositive();
    }

    private static final class Totals {
        long events;
        long writes;
        long reads;
        long snapshotsRestored;
    }

    private static Totals runSeeds(int seeds, boolean durable) {
        Totals totals = new Totals();
        long started = System.nanoTime();
        for (long seed = FIRST_SEED; seed < FIRST_SEED + seeds; seed++) {
            FaultRun run = new FaultRun(seed, durable);
            run.run();
            totals.events += run.world.eventsRun();
            totals.writes += run.acknowledged.size();
            totals.reads += run.readsChecked;
            totals.snapshotsRestored += run.snapshotsRestored;
        }
        System.out.printf("virtual-time runtime (%s): %d seeds from %d, %d events, %d acknowledged writes, "
                        + "%d reads checked, %d snapshots restored, 0 violations, %d ms%n",
                durable ? "production store on simulated disks, snapshots, torn writes" : "stores in memory",
                seeds, FIRST_SEED, totals.events, totals.writes, totals.reads, totals.snapshotsRestored,
                (System.nanoTime() - started) / 1_000_000);
        assertThat(totals.writes).as("writes acknowledged over all seeds").isPositive();
        assertThat(totals.reads).as("reads checked over all seeds").isPositive();
        return totals;
    }

    /**
     * Records each command with its index; the query "all" answers every command applied, in order. Its snapshot
     * is both lists, copied when captured.
     */
    private static final class LogMachine implements StateMachine {
        final List<Long> indexes = new ArrayList<>();
        final List<String> commands = new ArrayList<>();
        /** How many times the lists were replaced by a snapshot's. */
        int restores;

        @Override
        public byte[] apply(long index, byte[] command) {
            indexes.add(index);
            commands.add(new String(command, StandardCharsets.UTF_8));
            return command;
        }

        @Override
        public byte[] query(byte[] query) {
            return String.join(",", commands).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public Snapshot snapshot(long appliedIndex) {
            List<Long> capturedIndexes = List.copyOf(indexes);
            List<String> capturedCommands = List.copyOf(commands);
            return out -> {
                DataOutputStream data = new DataOutputStream(out);
                data.writeInt(capturedIndexes.size());
                for (int i = 0; i < capturedIndexes.size(); i++) {
                    data.writeLong(capturedIndexes.get(i));
                    data.writeUTF(capturedCommands.get(i));
                }
                data.flush();
            };
        }

        @Override
        public void restore(long lastIncludedIndex, InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            int count = data.readInt();
            indexes.clear();
            commands.clear();
            for (int i = 0; i < count; i++) {
                indexes.add(data.readLong());
                commands.add(data.readUTF());
            }
            restores++;
        }
    }

    private record Read(Set<String> acknowledgedBefore, CompletableFuture<byte[]> answer) {
    }

    private static final class FaultRun {
        final long seed;
        final boolean durable;
        final VirtualWorld world;
        final Random random;
        final Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        final Map<NodeId, MemoryLogStore.Disk> disks = new LinkedHashMap<>();
        final Map<NodeId, NodeRuntime> running = new LinkedHashMap<>();
        final Map<NodeId, LogMachine> machines = new HashMap<>();
        final Map<NodeId, Integer> checkedApplies = new HashMap<>();
        final Map<NodeId, Integer> checkedRestores = new HashMap<>();
        long snapshotsRestored;
        final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
        final TreeMap<Long, String> committed = new TreeMap<>();
        final Map<String, CompletableFuture<byte[]>> writes = new LinkedHashMap<>();
        final Set<String> acknowledged = new HashSet<>();
        final List<Read> readsInFlight = new ArrayList<>();
        long readsChecked;
        int commandsSent;

        FaultRun(long seed, boolean durable) {
            this.seed = seed;
            this.durable = durable;
            this.world = new VirtualWorld(seed, Duration.ofMillis(1), Duration.ofMillis(8));
            this.random = new Random(~seed);
            int size = seed % 2 == 0 ? 3 : 5;
            for (int i = 1; i <= size; i++) {
                peers.put(NodeId.of("n" + i), InetSocketAddress.createUnresolved("n" + i, 1));
            }
            ClusterConfiguration configuration = ClusterConfiguration.ofVoters(peers.keySet());
            peers.keySet().forEach(id -> disks.put(id, new MemoryLogStore.Disk(configuration)));
        }

        void run() {
            peers.keySet().forEach(this::start);
            long end = world.now() + Duration.ofSeconds(FAULT_SECONDS).toNanos();
            while (world.now() < end) {
                runChecked(Duration.ofMillis(10 + random.nextInt(150)));
                act();
            }
            world.heal();
            world.setLossRate(0);
            for (NodeId id : peers.keySet()) {
                if (!running.containsKey(id)) {
                    start(id);
                }
            }
            settle();
        }

        /** One random step of the nemesis or of the clients. */
        private void act() {
            int dice = random.nextInt(100);
            List<NodeId> up = new ArrayList<>(running.keySet());
            List<NodeId> down = new ArrayList<>(peers.keySet());
            down.removeAll(up);
            if (dice < 45) {
                write(target(up));
            } else if (dice < 60) {
                read(target(up));
            } else if (dice < 68 && up.size() > 1) {
                crash(up.get(random.nextInt(up.size())));
            } else if (dice < 78 && !down.isEmpty()) {
                start(down.get(random.nextInt(down.size())));
            } else if (dice < 86) {
                Set<NodeId> side = new TreeSet<>();
                peers.keySet().forEach(id -> {
                    if (random.nextBoolean()) {
                        side.add(id);
                    }
                });
                world.partition(side);
            } else if (dice < 95) {
                world.heal();
            } else {
                world.setLossRate(random.nextInt(3) * 0.1);
            }
        }

        /**
         * Where a client sends a request: a node that believes it leads (a deposed leader cut off from the others
         * among them, so stale reads get their chance), or any node if none does.
         */
        private NodeId target(List<NodeId> up) {
            List<NodeId> leaders = up.stream().filter(id -> running.get(id).status().role() == Role.LEADER).toList();
            List<NodeId> candidates = leaders.isEmpty() ? up : leaders;
            return candidates.get(random.nextInt(candidates.size()));
        }

        private void start(NodeId id) {
            LogMachine machine = new LogMachine();
            NodeSettings settings = new NodeSettings(id, peers, Map.of(), null, machine, Duration.ofMillis(10),
                    RaftOptions.DEFAULTS, true, Duration.ofSeconds(2), 1000, 1 << 20, 1024, 4096,
                    TransportOptions.defaults(), VirtualTimeClusterTest.FREQUENT_SNAPSHOTS,
                    CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER);
            ClusterConfiguration bootstrap = ClusterConfiguration.ofVoters(peers.keySet());
            NodeEnvironment environment = world.environment(id);
            LogStore store = durable
                    ? world.openStore(id, environment, VirtualTimeClusterTest.SMALL_SEGMENTS, bootstrap)
                    : new MemoryLogStore(disks.get(id));
            running.put(id, NodeRuntime.start(settings, store, bootstrap, PeerDirectory.NO_RESOLVER, environment));
            machines.put(id, machine);
            checkedApplies.put(id, 0);
            checkedRestores.put(id, 0);
        }

        private void crash(NodeId id) {
            world.crash(id);
            running.remove(id);
        }

        private void write(NodeId at) {
            String command = "c" + commandsSent++;
            writes.put(command, running.get(at).submit(command.getBytes(StandardCharsets.UTF_8)));
        }

        private void read(NodeId at) {
            readsInFlight.add(new Read(Set.copyOf(acknowledged),
                    running.get(at).read("all".getBytes(StandardCharsets.UTF_8))));
        }

        private Optional<NodeId> leader() {
            return running.entrySet().stream()
                    .filter(node -> node.getValue().status().role() == Role.LEADER)
                    .max((a, b) -> Long.compare(a.getValue().status().term(), b.getValue().status().term()))
                    .map(Map.Entry::getKey);
        }

        /** Runs for {@code span} of virtual time, checking the invariants before every event. */
        private void runChecked(Duration span) {
            world.runUntil(() -> {
                check();
                return false;
            }, span);
            check();
        }

        private boolean runCheckedUntil(java.util.function.BooleanSupplier condition, Duration limit) {
            return world.runUntil(() -> {
                check();
                return condition.getAsBoolean();
            }, limit);
        }

        private void check() {
            running.forEach((id, node) -> {
                var status = node.status();
                if (status.role() == Role.LEADER) {
                    NodeId earlier = leaderOfTerm.putIfAbsent(status.term(), id);
                    require(earlier == null || earlier.equals(id), "Election Safety: " + earlier + " and " + id
                            + " both lead term " + status.term());
                }
                checkApplied(id);
            });
            writes.entrySet().removeIf(write -> {
                CompletableFuture<byte[]> answer = write.getValue();
                if (answer.isDone() && !answer.isCompletedExceptionally()) {
                    acknowledged.add(write.getKey());
                }
                return answer.isDone();
            });
            readsInFlight.removeIf(this::checkRead);
        }

        /** Applies since the last check agree with the committed commands; so does a whole snapshot restored. */
        private void checkApplied(NodeId id) {
            LogMachine machine = machines.get(id);
            if (machine.restores != checkedRestores.get(id)) {
                snapshotsRestored += machine.restores - checkedRestores.get(id);
                checkedRestores.put(id, machine.restores);
                checkedApplies.put(id, 0);
            }
            int from = checkedApplies.get(id);
            for (int i = from; i < machine.indexes.size(); i++) {
                long index = machine.indexes.get(i);
                if (i > 0) {
                    long previous = machine.indexes.get(i - 1);
                    require(index > previous, id + " applied index " + index + " after " + previous);
                }
                String earlier = committed.putIfAbsent(index, machine.commands.get(i));
                require(earlier == null || earlier.equals(machine.commands.get(i)), "State Machine Safety: "
                        + id + " applied " + machine.commands.get(i) + " at " + index + ", another node " + earlier);
            }
            checkedApplies.put(id, machine.indexes.size());
        }

        /** A read answered: it holds committed commands in log order, every write acknowledged before it among them. */
        private boolean checkRead(Read read) {
            if (!read.answer().isDone()) {
                return false;
            }
            if (!read.answer().isCompletedExceptionally()) {
                String text = new String(read.answer().join(), StandardCharsets.UTF_8);
                List<String> seen = text.isEmpty() ? List.of() : List.of(text.split(","));
                List<String> committedInOrder = new ArrayList<>(committed.values());
                require(seen.size() <= committedInOrder.size()
                        && committedInOrder.subList(0, seen.size()).equals(seen),
                        "a read saw " + seen + ", not a prefix of the committed commands " + committedInOrder);
                require(seen.containsAll(read.acknowledgedBefore()), "stale read: it saw " + seen
                        + " but writes acknowledged before it was sent were " + read.acknowledgedBefore());
                readsChecked++;
            }
            return true;
        }

        /** After the faults: a leader commits a last write, and every node applies every acknowledged one. */
        private void settle() {
            boolean committedLast = false;
            for (int attempt = 0; attempt < 20 && !committedLast; attempt++) {
                require(runCheckedUntil(() -> leader().isPresent(), SETTLE), "Liveness: no leader after healing");
                CompletableFuture<byte[]> last = running.get(leader().orElseThrow()).submit(
                        "last".getBytes(StandardCharsets.UTF_8));
                runCheckedUntil(last::isDone, SETTLE);
                committedLast = last.isDone() && !last.isCompletedExceptionally();
            }
            require(committedLast, "Liveness: the healed cluster commits nothing");
            require(runCheckedUntil(this::converged, SETTLE), "Liveness: the nodes do not converge");
            List<String> all = machines.get(peers.keySet().iterator().next()).commands;
            require(all.containsAll(acknowledged), "Durability: acknowledged writes missing from " + all);
        }

        private boolean converged() {
            List<String> first = null;
            for (NodeId id : peers.keySet()) {
                List<String> applied = machines.get(id).commands;
                if (first == null) {
                    first = applied;
                } else if (!applied.equals(first)) {
                    return false;
                }
            }
            return first != null && first.contains("last");
        }

        private void require(boolean condition, String violation) {
            if (!condition) {
                List<String> trace = world.trace();
                throw new AssertionError("seed " + seed + ": " + violation + "\nlast events:\n  "
                        + String.join("\n  ", trace.subList(Math.max(0, trace.size() - 40), trace.size())));
            }
        }
    }
}
