package io.caucus.chaos;

import io.caucus.kv.slots.KeySlot;
import io.caucus.kv.slots.SlotMap;
import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * One chaos run: start the cluster, run the clients while the nemesis strikes and heals faults drawn from the
 * seed, then heal everything, read every key, wait for the replicas to converge, check, and write the history
 * and the report into the run directory.
 */
final class ChaosRun {

    /** How long the cluster may take to elect a leader, start a node or converge on a loaded host. */
    static final Duration SETTLE = Duration.ofSeconds(180);

    private final ChaosOptions options;
    private final PrintStream progress;
    private final Random random;
    private final ChaosHistory history = new ChaosHistory();

    private ChaosRun(ChaosOptions options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
        this.random = new Random(options.seed());
    }

    /** Runs and returns the result; the report is also in {@code options.runDirectory()/report.txt}. */
    static ChaosResult run(ChaosOptions options, PrintStream progress) throws IOException, InterruptedException {
        return new ChaosRun(options.checkedForRun(), progress).run();
    }

    private ChaosResult run() throws IOException, InterruptedException {
        Path directory = Files.createDirectories(options.runDirectory());
        try {
            return runIn(directory);
        } catch (RuntimeException | IOException | InterruptedException e) {
            // The run could not finish (say no leader within the deadline): keep the evidence gathered so far.
            history.write(directory.resolve("history.txt"));
            say("run aborted: " + e.getMessage() + "; history so far in " + directory.resolve("history.txt"));
            throw e;
        }
    }

    private ChaosResult runIn(Path directory) throws IOException, InterruptedException {
        say("run directory " + directory.toAbsolutePath() + ", seed " + options.seed());
        try (ChaosCluster cluster = new ChaosCluster(directory.resolve("cluster"), options.nodes(), options)) {
            cluster.startAll();
            String leader = awaitAgreedLeader(cluster);
            say("cluster of " + options.nodes() + " up, leader " + leader
                    + (options.sharded() ? " (of the metadata group, the leader the faults aim at)" : ""));
            Map<String, Long> groupOfKey = Map.of();
            List<String> notes = new ArrayList<>();
            if (options.sharded()) {
                awaitSlotsServed(cluster);
                groupOfKey = groupOfKey(cluster.initialSlotMap());
                say(options.shards() + " shards, every slot served; the keys' groups: " + groupOfKey);
                notes.add("membership faults are not drawn: a sharded cluster does not support membership changes yet"
                        + " (docs/multiraft.md), so --faults membership is refused with --shards");
            }
            try (Nemesis nemesis = new Nemesis(cluster, history, random, options.allKeys())) {
                return checkedRun(directory, cluster, nemesis, groupOfKey, notes);
            }
        }
    }

    /** Runs the clients under faults, heals, waits for what the faults set going, then reads, checks and reports. */
    private ChaosResult checkedRun(Path directory, ChaosCluster cluster, Nemesis nemesis, Map<String, Long> groupOfKey,
                                   List<String> notes) throws IOException, InterruptedException {
        long clientsStartedMicros = history.nowMicros();
        runWorkloadUnderFaults(cluster, nemesis);
        long clientsStoppedMicros = history.nowMicros();
        stopRemovedNodeIfDone(nemesis);
        nemesis.healEverything();
        CheckOutcome configuration = null;
        List<CheckOutcome> checks0 = new ArrayList<>();
        if (options.faults().contains(FaultKind.MEMBERSHIP)) {
            say("restoring every node as a voter");
            configuration = configurationRestored(cluster, nemesis);
            say(configuration.name() + ": " + configuration.detail());
        }
        if (options.faults().contains(FaultKind.REMOVE)) {
            removalFinished(cluster, nemesis, notes).ifPresent(check -> {
                checks0.add(check);
                say(check.name() + ": " + check.detail());
            });
        }
        if (options.faults().contains(FaultKind.MOVE) || options.faults().contains(FaultKind.REPLICA)) {
            say("waiting for the slot and replica moves to finish: " + nemesis.moves().size() + " asked for");
            checks0.add(movesFinished(cluster, nemesis));
            say(checks0.getLast().name() + ": " + checks0.getLast().detail());
        }
        say("healed everything; waiting for a leader all nodes agree on");
        say("leader " + awaitAgreedLeader(cluster) + "; final reads");
        Map<String, String> finalValues = finalReads(cluster);
        List<CheckOutcome> checks = new ArrayList<>(checks0);
        if (configuration != null) {
            checks.add(configuration);
        }
        checks.add(options.sharded() ? groupsConverge(cluster) : convergence(cluster));
        List<Operation> operations = history.operations();
        List<CounterOp> counterOperations = history.counterOperations();
        say("checking " + (operations.size() + counterOperations.size()) + " operations");
        checks.add(HistoryChecks.linearizability(operations));
        checks.add(HistoryChecks.acknowledgedWritesPresent(operations, options.registerKeys(), finalValues));
        checks.add(HistoryChecks.appendsOnceInOrder(operations, options.appendKeys(), finalValues));
        List<String> counted = new ArrayList<>(options.counterKeys());
        counted.addAll(options.pairKeys());
        checks.add(CounterChecks.counters(counterOperations, counted, finalValues));
        checks.add(CounterChecks.transactionsAtomic(counterOperations, options.pairKeys(), options.accountKeys(),
                finalValues));
        checks.add(CounterChecks.transfersAccounted(counterOperations, options.accountKeys(), finalValues));
        ChaosResult result = new ChaosResult(options, directory, operations, counterOperations,
                nemesis.windows(), checks, finalValues, clientsStartedMicros, clientsStoppedMicros,
                nemesis.membershipChanges(), groupOfKey, notes,
                nemesis.removal().map(NodeRemoval::outcome).orElse(null));
        history.write(directory.resolve("history.txt"));
        Files.writeString(directory.resolve("report.txt"), ChaosReport.render(result, history));
        say(result.summary());
        return result;
    }

    private void runWorkloadUnderFaults(ChaosCluster cluster, Nemesis nemesis) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < options.clients(); i++) {
            ChaosClient client = new ChaosClient(i + 1, history, cluster::ids, cluster::clientAddress,
                    cluster::nodeReachedAt, cluster.clientTls(), options, stop::get);
            clients.add(Thread.ofPlatform().daemon().name("chaos-client-" + (i + 1)).start(client));
        }
        try {
            long endNanos = System.nanoTime() + options.duration().toNanos();
            // Drawn only when enabled, so that the schedules of runs without it stay what they were.
            int removalOrdinal = options.faults().contains(FaultKind.REMOVE)
                    ? Fault.removalOrdinal(random, options.duration()) : 0;
            int faults = 0;
            sleepMillis(2000); // a fault-free start, so the history begins with a baseline
            while (System.nanoTime() < endNanos) {
                Fault fault = Fault.next(random, options.faults(), options.nodes(), ++faults == removalOrdinal);
                stopRemovedNodeIfDone(nemesis); // a drained removed node takes no part in the next fault
                say("fault: " + nemesis.inject(fault));
                sleepMillis(activeMillis(fault));
                stopRemovedNodeIfDone(nemesis); // nor does the heal start it again if the fault killed it
                nemesis.heal();
                Optional<String> leader = poll(SETTLE, () -> cluster.leader().orElse(null));
                say("healed; leader " + leader.orElse("none after " + SETTLE.toSeconds() + " s") + "; "
                        + history.size() + " operations so far");
                sleepMillis(1000 + random.nextInt(2000)); // recovery under load before the next fault
            }
        } finally {
            stop.set(true);
            long joinMillis = 2 * options.requestTimeoutMillis() + 10_000;
            for (Thread thread : clients) {
                thread.join(joinMillis);
                if (thread.isAlive()) {
                    thread.interrupt();
                    say("client " + thread.getName() + " did not stop within " + joinMillis + " ms");
                }
            }
        }
    }

    private void stopRemovedNodeIfDone(Nemesis nemesis) throws InterruptedException {
        nemesis.stopRemovedNodeIfDone().ifPresent(this::say);
    }

    /** How long a fault stays in force: long enough for elections to happen under it. */
    private long activeMillis(Fault fault) {
        long electionMillis = 20 * options.tickIntervalMillis(); // the longest randomized election timeout
        return switch (fault) {
            case Fault.Kill kill -> electionMillis + random.nextInt(4000);
            case Fault.Pause pause -> 2 * electionMillis + random.nextInt(3000);
            case Fault.Partition partition -> 2 * electionMillis + random.nextInt(5000);
            // The change itself took its time under the partition; hold it a little longer.
            case Fault.Membership membership -> electionMillis + random.nextInt(3000);
            case Fault.Move move -> electionMillis + random.nextInt(3000);
            case Fault.ReplicaMove move -> electionMillis + random.nextInt(3000);
            case Fault.Remove remove -> electionMillis + random.nextInt(3000);
        };
    }

    /**
     * Waits until every node answers {@code CLUSTER INFO} with {@code cluster_state:ok}: the first slot map is
     * installed and each data group has a leader, so the clients start on a served key space, not on CLUSTERDOWN.
     */
    private void awaitSlotsServed(ChaosCluster cluster) {
        poll(SETTLE, () -> cluster.ids().stream().allMatch(cluster::clusterOk) ? true : null)
                .orElseThrow(() -> new IllegalStateException("not every node reported cluster_state:ok within "
                        + SETTLE.toSeconds() + " s; node logs are in " + cluster.directory()));
    }

    /** The data group of each key's slot in {@code map}. */
    private Map<String, Long> groupOfKey(SlotMap map) {
        Map<String, Long> groups = new LinkedHashMap<>();
        for (String key : options.allKeys()) {
            groups.put(key, map.groupOf(KeySlot.of(key.getBytes(StandardCharsets.UTF_8))).orElseThrow());
        }
        return groups;
    }

    private String awaitAgreedLeader(ChaosCluster cluster) {
        Optional<String> leader = poll(SETTLE, () -> {
            for (String id : cluster.ids()) {
                if (!cluster.isRunning(id)) {
                    cluster.start(id); // a restart that failed (say a port still held) is retried
                }
            }
            return cluster.agreedLeader(cluster.ids()).orElse(null);
        });
        return leader.orElseThrow(() -> new IllegalStateException("no leader agreed by all of " + cluster.ids()
                + " within " + SETTLE.toSeconds() + " s; node logs are in " + cluster.directory()));
    }

    /**
     * A linearizable GET of every register and append key, and one MGET of each counter key, of the pair and of
     * the accounts (so each group is read at one point), retried through random nodes until it succeeds;
     * recorded too.
     */
    private Map<String, String> finalReads(ChaosCluster cluster) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(options.registerKeys());
        keys.addAll(options.appendKeys());
        int reader = options.clients() + 1;
        for (String key : keys) {
            values.put(key, finalRead(cluster, "GET " + key, (jedis, node) -> {
                long op = history.invoke(reader, node, OpKind.GET, key, null, null);
                try {
                    String value = jedis.get(key);
                    history.ok(op, value);
                    return Collections.singletonList(value);
                } catch (JedisException e) {
                    history.failed(op, String.valueOf(e.getMessage()));
                    throw e;
                }
            }).get(0));
        }
        for (List<String> group : options.finalReadGroups()) {
            List<String> read = finalRead(cluster, "MGET " + String.join(" ", group), (jedis, node) -> {
                long op = history.invokeCounter(reader, node, CounterOp.Kind.MGET, group, 0);
                try {
                    List<String> groupValues = jedis.mget(group.toArray(String[]::new));
                    history.okCounter(op, groupValues);
                    return groupValues;
                } catch (JedisException e) {
                    history.failed(op, String.valueOf(e.getMessage()));
                    throw e;
                }
            });
            for (int i = 0; i < group.size(); i++) {
                values.put(group.get(i), read.get(i));
            }
        }
        return values;
    }

    /**
     * Runs {@code read} (which records the operation, and rethrows its failure) through random nodes until it
     * answers, for at most SETTLE; after a {@code -MOVED}, the next try goes to the node it names.
     */
    private List<String> finalRead(ChaosCluster cluster, String what,
                                   java.util.function.BiFunction<Jedis, String, List<String>> read) {
        AtomicReference<String> movedTo = new AtomicReference<>();
        Optional<List<String>> answer = poll(SETTLE, () -> {
            String named = movedTo.getAndSet(null);
            String node = named != null ? named : cluster.ids().get(random.nextInt(cluster.ids().size()));
            InetSocketAddress address = cluster.clientAddress(node);
            try (Jedis jedis = new Jedis(new HostAndPort(address.getHostString(), address.getPort()),
                    ChaosCluster.jedisConfig(cluster.clientTls()).socketTimeoutMillis(30_000).build())) {
                return read.apply(jedis, node);
            } catch (JedisMovedDataException moved) {
                HostAndPort target = moved.getTargetNode();
                cluster.nodeReachedAt(new InetSocketAddress(target.getHost(), target.getPort()))
                        .ifPresent(movedTo::set);
                return null;
            } catch (JedisException e) {
                return null; // could not connect (nothing was sent), or failed (recorded): try again
            }
        });
        return answer.orElseThrow(() -> new IllegalStateException("no node answered " + what + " within "
                + SETTLE.toSeconds() + " s"));
    }

    /**
     * After healing, the cluster ends in a valid configuration: not joint, no learner left behind, every node a
     * voter (removed nodes were wiped and rejoined under their ids).
     */
    private CheckOutcome configurationRestored(ChaosCluster cluster, Nemesis nemesis) throws InterruptedException {
        String name = "configuration restored";
        Optional<MembershipOperator.Membership> membership = nemesis.restoreMembership(SETTLE);
        return membership.map(m -> CheckOutcome.pass(name, "leader " + m.leader() + " in term " + m.term()
                        + ", voters " + m.voters() + ", committed, not joint, no learners"))
                .orElseGet(() -> CheckOutcome.fail(name, "not every node of " + cluster.ids()
                        + " is a voter in a committed, non-joint configuration after " + SETTLE.toSeconds()
                        + " s; last seen: " + nemesis.membershipChanges().stream().skip(Math.max(0,
                        nemesis.membershipChanges().size() - 5)).map(Object::toString).toList(), List.of()));
    }

    /** Every node reaches the same applied index with the same data digest (State Machine Safety, §5.4.3). */
    private CheckOutcome convergence(ChaosCluster cluster) {
        Map<String, Map<String, Object>> last = new LinkedHashMap<>();
        Optional<String> agreed = poll(Duration.ofSeconds(60), () -> {
            last.clear();
            for (String id : cluster.ids()) {
                cluster.digest(id).ifPresent(digest -> last.put(id, digest));
            }
            if (last.size() < cluster.ids().size()) {
                return null;
            }
            long distinctApplied = last.values().stream().map(d -> d.get("applied").toString()).distinct().count();
            return distinctApplied == 1 ? "converged" : null;
        });
        String digests = last.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList().toString();
        String name = "replicas converge";
        if (agreed.isEmpty()) {
            return CheckOutcome.fail(name, "nodes did not reach the same applied index within 60 s: " + digests,
                    List.of());
        }
        long distinctSha = last.values().stream().map(d -> d.get("sha256")).distinct().count();
        return distinctSha == 1
                ? CheckOutcome.pass(name, "all " + last.size() + " nodes applied index "
                        + last.values().iterator().next().get("applied") + " with digest "
                        + last.values().iterator().next().get("sha256") + " ("
                        + last.values().iterator().next().get("keys") + " keys)")
                : CheckOutcome.fail(name, "same applied index, different data: " + digests, List.of());
    }

    /**
     * The removed node (if a removal was recorded) holds no replica and has left the metadata group within SETTLE of
     * the heal, while the removal's watcher goes on asking for rounds of replica moves; it is then stopped for good and
     * the metadata group's leader must still leave it out. Empty, with a note, if no removal was recorded: refused (not
     * an anomaly: say a replica of it had nowhere to go), not answered, or not due before the run ended.
     */
    private Optional<CheckOutcome> removalFinished(ChaosCluster cluster, Nemesis nemesis, List<String> notes)
            throws InterruptedException {
        String name = "removed node drained and out of the metadata group";
        Optional<NodeRemoval> asked = nemesis.removal();
        if (asked.isEmpty()) {
            notes.add("no node was removed: the run ended before the removal's turn in the schedule");
            return Optional.empty();
        }
        NodeRemoval removal = asked.get();
        if (removal.refused()) {
            notes.add("the removal of " + removal.node() + " was refused, so nothing was drained: "
                    + removal.outcome().request());
            return Optional.empty();
        }
        // An unknown outcome may still be recorded: the watcher sees it in a map if it was.
        if (!removal.recorded() && poll(Duration.ofSeconds(30), () -> removal.recorded() ? true : null).isEmpty()) {
            notes.add("the removal of " + removal.node() + " was not recorded (" + removal.outcome().request()
                    + ", and no map lists it removed), so nothing was drained");
            return Optional.empty();
        }
        say("waiting for removed node " + removal.node() + " to hold no replica and leave the metadata group");
        boolean done = poll(SETTLE, () -> removal.drained() && removal.leftMetadataGroup() ? true : null).isPresent();
        NodeRemoval.Outcome outcome = removal.outcome();
        if (!done) {
            removal.close();
            return Optional.of(CheckOutcome.fail(name, removal.node() + (removal.drained()
                    ? " holds no replica but the metadata group's leader still lists it among its members"
                    : " still holds replicas") + " " + SETTLE.toSeconds() + " s after the heal; last seen: "
                    + removal.lastSeen() + "; rebalance rounds: " + outcome.rounds(), List.of()));
        }
        if (!cluster.isGone(removal.node())) {
            cluster.stopForGood(removal.node());
            removal.stopped();
        }
        removal.close();
        boolean out = poll(SETTLE, () -> removal.metadataMember().filter(member -> !member).orElse(null)).isPresent();
        outcome = removal.outcome();
        String timing = removal.node() + (outcome.killedFirst() ? " (killed first, down since)" : " (running)")
                + " recorded removed at " + NodeRemoval.Outcome.seconds(outcome.recorded()) + ", held no replica "
                + NodeRemoval.Outcome.seconds(outcome.drained() - outcome.recorded()) + " later, out of the metadata"
                + " group at " + NodeRemoval.Outcome.seconds(outcome.left()) + ", stopped for good at "
                + NodeRemoval.Outcome.seconds(outcome.stopped()) + "; " + outcome.rounds().size()
                + (outcome.rounds().size() == 1 ? " rebalance round" : " rebalance rounds") + " asked";
        if (!out) {
            return Optional.of(CheckOutcome.fail(name, timing + "; but once it was stopped no metadata group's leader"
                    + " answered GET /slots/nodes without it within " + SETTLE.toSeconds() + " s", List.of()));
        }
        return Optional.of(CheckOutcome.pass(name, timing + "; the metadata group's leader lists it no longer"));
    }

    /**
     * Every move recorded in the slot map (of slots, and of replicas) is carried out: no node's map lists one any
     * more, and they agree.
     */
    @SuppressWarnings("unchecked")
    private CheckOutcome movesFinished(ChaosCluster cluster, Nemesis nemesis) {
        Map<String, Object> lastSeen = new LinkedHashMap<>();
        Optional<String> done = poll(SETTLE, () -> {
            lastSeen.clear();
            for (String id : cluster.ids()) {
                cluster.slots(id).ifPresent(map -> lastSeen.put(id, map));
            }
            boolean finished = lastSeen.size() == cluster.ids().size() && lastSeen.values().stream().allMatch(map ->
                    ((List<Object>) ((Map<String, Object>) map).get("moves")).isEmpty()
                            && ((List<Object>) ((Map<String, Object>) map).getOrDefault(Nemesis.REPLICA_MOVES_JSON,
                            List.of())).isEmpty());
            boolean agreed = lastSeen.values().stream().map(map -> ((Map<String, Object>) map).get("epoch"))
                    .distinct().count() == 1;
            return finished && agreed ? "done" : null;
        });
        String name = "slot and replica moves finish";
        long recorded = nemesis.moves().stream().filter(move -> move.contains(": recorded")).count();
        return done.isPresent()
                ? CheckOutcome.pass(name, recorded + " of " + nemesis.moves().size() + " moves asked for were recorded"
                        + " and carried out; every node holds slot map epoch "
                        + ((Map<String, Object>) lastSeen.values().iterator().next()).get("epoch"))
                : CheckOutcome.fail(name, "moves still listed after " + SETTLE.toSeconds() + " s: " + lastSeen,
                        List.of());
    }

    /**
     * Every data group's replicas reach the same applied index with the same data digest (State Machine Safety,
     * §5.4.3, group by group): a sharded node's {@code /digests} gives its replica of each group.
     */
    @SuppressWarnings("unchecked")
    private CheckOutcome groupsConverge(ChaosCluster cluster) {
        Map<String, Map<String, Object>> last = new LinkedHashMap<>();
        Map<String, Map<String, Map<String, Object>>> byGroup = new java.util.TreeMap<>();
        Optional<String> agreed = poll(Duration.ofSeconds(60), () -> {
            last.clear();
            byGroup.clear();
            for (String id : cluster.ids()) {
                cluster.groupDigests(id).ifPresent(digests -> last.put(id, digests));
            }
            if (last.size() < cluster.ids().size()) {
                return null;
            }
            last.forEach((id, digests) -> digests.forEach((group, digest) -> byGroup
                    .computeIfAbsent(group, g -> new LinkedHashMap<>()).put(id, (Map<String, Object>) digest)));
            boolean sameApplied = byGroup.values().stream().allMatch(replicas -> replicas.values().stream()
                    .map(d -> d.get("applied").toString()).distinct().count() == 1);
            return sameApplied && !byGroup.isEmpty() ? "converged" : null;
        });
        String name = "replicas converge";
        if (agreed.isEmpty()) {
            return CheckOutcome.fail(name, "a group's replicas did not reach the same applied index within 60 s: "
                    + byGroup, List.of());
        }
        List<String> diverged = byGroup.entrySet().stream().filter(group -> group.getValue().values().stream()
                .map(d -> d.get("sha256")).distinct().count() != 1).map(group -> "group " + group.getKey() + " "
                + group.getValue()).toList();
        long keys = byGroup.values().stream().mapToLong(replicas -> ((Number) replicas.values().iterator().next()
                .get("keys")).longValue()).sum();
        return diverged.isEmpty()
                ? CheckOutcome.pass(name, "the replicas of each of " + byGroup.size() + " data groups on "
                        + last.size() + " nodes applied the same index with the same digest (" + keys + " keys)")
                : CheckOutcome.fail(name, "same applied index, different data: " + diverged, List.of());
    }

    /** Polls {@code condition} (non-null means done) every 200 ms until the deadline. */
    private static <T> Optional<T> poll(Duration deadline, Supplier<T> condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            T value = condition.get();
            if (value != null) {
                return Optional.of(value);
            }
            if (System.nanoTime() > end) {
                return Optional.empty();
            }
            try {
                Thread.sleep(200); // poll interval, bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    private static void sleepMillis(long millis) throws InterruptedException {
        Thread.sleep(millis); // the schedule's own timing: how long a fault lasts, not a wait for a condition
    }

    private void say(String line) {
        progress.printf("[chaos %6.1fs] %s%n", history.nowMicros() / 1e6, line);
        progress.flush();
    }
}
