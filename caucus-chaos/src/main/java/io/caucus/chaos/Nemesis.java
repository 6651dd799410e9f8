package io.caucus.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.caucus.kv.slots.KeySlot;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Injects faults into a {@link ChaosCluster} and heals them. Every fault is healed before the next one strikes,
 * so each operation belongs to at most one fault window.
 */
final class Nemesis implements AutoCloseable {

    /** A fault in force: what it did and how to undo it. */
    private record Active(FaultKind kind, String description, List<String> killed, String paused) {
    }

    private final ChaosCluster cluster;
    private final ChaosHistory history;
    private final Random random;
    private final List<FaultWindow> windows = new ArrayList<>();
    private final MembershipOperator operator;
    /** The workload's keys: a move takes the slot of one of them. */
    private final List<String> keys;
    private final List<String> moves = new ArrayList<>();
    /** The keys of {@code GET /slots} listing the replica moves under way, and each group's retired nodes. */
    static final String REPLICA_MOVES_JSON = "replicaMoves";
    static final String RETIRED_JSON = "retired";
    /** The key of {@code GET /slots} listing the nodes removed from the cluster. */
    static final String REMOVED_NODES_JSON = "removedNodes";
    /** How long a removal answered 503 (no metadata leader) is asked again. */
    private static final Duration REMOVE_RETRY = Duration.ofSeconds(15);
    /** The run's node removal, once asked for (at most one a run). */
    private NodeRemoval removal;
    private Active active;
    private long activeSinceMicros;

    Nemesis(ChaosCluster cluster, ChaosHistory history, Random random, List<String> keys) {
        this.cluster = cluster;
        this.history = history;
        this.random = random;
        this.keys = List.copyOf(keys);
        // Its own stream: how many requests a change takes depends on timing, the schedule must not.
        this.operator = new MembershipOperator(cluster, history, new Random(random.nextLong()));
    }

    /** Strikes {@code fault} now; returns its concrete description (e.g. "kill leader n2"). */
    String inject(Fault fault) throws InterruptedException {
        if (active != null) {
            throw new IllegalStateException("heal " + active.description() + " before injecting another fault");
        }
        String leader = cluster.leader().orElse(null);
        List<String> nodes = cluster.ids();
        activeSinceMicros = history.nowMicros();
        active = switch (fault) {
            case Fault.Kill kill -> kill(kill.target(), nodes, leader);
            case Fault.Pause pause -> pause(pause.target(), nodes, leader);
            case Fault.Partition partition -> partition(partition.shape(), nodes, leader);
            case Fault.Membership membership -> membership(membership, nodes, leader);
            case Fault.Move move -> move(move, nodes, leader);
            case Fault.ReplicaMove move -> moveReplica(move, nodes, leader);
            case Fault.Remove remove -> remove(remove, nodes);
        };
        return active.description();
    }

    private Active kill(Fault.Kill.Target target, List<String> nodes, String leader) throws InterruptedException {
        List<String> shuffled = shuffled(nodes);
        List<String> victims = switch (target) {
            case ONE -> List.of(shuffled.get(0));
            case LEADER -> List.of(leader != null ? leader : shuffled.get(0));
            case MAJORITY -> shuffled.subList(0, nodes.size() / 2 + 1);
            case ALL -> shuffled;
        };
        for (String victim : victims) {
            cluster.kill(victim);
        }
        String what = target == Fault.Kill.Target.LEADER && leader == null ? "leader (none known: random)"
                : target.name().toLowerCase(java.util.Locale.ROOT);
        return new Active(FaultKind.KILL, "kill -9 " + what + " " + victims, List.copyOf(victims), null);
    }

    private Active pause(Fault.Pause.Target target, List<String> nodes, String leader) {
        String victim = target == Fault.Pause.Target.LEADER && leader != null ? leader : shuffled(nodes).get(0);
        cluster.pause(victim);
        String what = target == Fault.Pause.Target.LEADER ? (leader != null ? "leader" : "leader (none known: random)")
                : "one";
        return new Active(FaultKind.PAUSE, "kill -STOP " + what + " " + victim, List.of(), victim);
    }

    private Active partition(PartitionShape shape, List<String> nodes, String leader) {
        Set<Link> cut = shape.links(nodes, leader, random);
        cluster.network().cutExactly(cut);
        List<String> links = cut.stream().map(Link::toString).sorted().toList();
        return new Active(FaultKind.PARTITION, "partition " + shape.label()
                + (leader != null ? " (leader was " + leader + ")" : "") + " cutting " + links, List.of(), null);
    }

    /**
     * Cuts the partition (if any), then makes the change while it is in force. A remove-and-rejoin goes as far
     * as it can within {@code budget}: under a partition the removal may be refused or unknown, the learner may
     * not catch up; the heal finishes the job.
     */
    private Active membership(Fault.Membership fault, List<String> nodes, String leader) throws InterruptedException {
        String partition = "";
        if (fault.partition() != null) {
            partition = " during " + partition(fault.partition(), nodes, leader).description();
        }
        List<String> shuffled = shuffled(nodes);
        String change = switch (fault.action()) {
            case REMOVE_REJOIN_ONE -> removeAndRejoin(shuffled.get(0), "one");
            case REMOVE_REJOIN_LEADER -> removeAndRejoin(leader != null ? leader : shuffled.get(0),
                    leader != null ? "leader" : "leader (none known: random)");
            case TRANSFER_LEADER -> {
                String to = shuffled.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
                MembershipOperator.Change transfer = operator.transfer(to);
                yield "transfer leadership " + (leader != null ? leader : "?") + "->" + to + ": " + label(transfer);
            }
        };
        return new Active(FaultKind.MEMBERSHIP, "membership " + change + partition, List.of(), null);
    }

    /**
     * Cuts the partition (if any), then asks for the slot of a random key of the workload to move to another data
     * group: {@code POST /slots/move} to each live node in turn until one records or refuses it (the metadata leader;
     * another answers 421). The move goes on in the background, through this and later faults.
     */
    @SuppressWarnings("unchecked")
    private Active move(Fault.Move fault, List<String> nodes, String leader) throws InterruptedException {
        String partition = "";
        if (fault.partition() != null) {
            partition = " during " + partition(fault.partition(), nodes, leader).description();
        }
        String key = keys.get(random.nextInt(keys.size()));
        int slot = KeySlot.of(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Optional<Map<String, Object>> map = nodes.stream().map(cluster::slots).flatMap(Optional::stream).findFirst();
        String outcome;
        if (map.isEmpty()) {
            outcome = "no node answered GET /slots";
        } else {
            List<String> groups = new ArrayList<>(((Map<String, Object>) map.get().get("groups")).keySet());
            String from = groupOf(map.get(), slot);
            groups.remove(from);
            String to = groups.get(random.nextInt(groups.size()));
            outcome = "slot " + slot + " (" + key + ") group " + from + "->" + to + ": "
                    + requestMove(shuffled(nodes), slot, to);
        }
        moves.add(outcome);
        return new Active(FaultKind.MOVE, "move " + outcome + partition, List.of(), null);
    }

    /**
     * Cuts the partition (if any), then asks for one replica of a random data group to move to a node that has none
     * and never had one: {@code POST /slots/replicas/move} to each live node in turn until one records or refuses it
     * (any node records it: the change is forwarded to the metadata leader). A third of the moves recorded are
     * cancelled at once (POST /slots/replicas/cancel), so that the group's leader undoes them wherever they got to,
     * or finishes them if too far. It goes on in the background.
     */
    @SuppressWarnings("unchecked")
    private Active moveReplica(Fault.ReplicaMove fault, List<String> nodes, String leader)
            throws InterruptedException {
        String partition = "";
        if (fault.partition() != null) {
            partition = " during " + partition(fault.partition(), nodes, leader).description();
        }
        Optional<Map<String, Object>> map = nodes.stream().map(cluster::slots).flatMap(Optional::stream).findFirst();
        String outcome = "no node answered GET /slots";
        if (map.isPresent()) {
            Map<String, Object> groups = (Map<String, Object>) map.get().get("groups");
            Map<String, Object> retired = (Map<String, Object>) map.get().getOrDefault(RETIRED_JSON, Map.of());
            List<String> removed = new ArrayList<>((List<String>) map.get().getOrDefault(REMOVED_NODES_JSON,
                    List.of()));
            if (removal != null && !removal.refused()) {
                removed.add(removal.node()); // the map read may lag behind the removal, or it may still be unknown
            }
            List<String> shuffledGroups = new ArrayList<>(groups.keySet());
            java.util.Collections.shuffle(shuffledGroups, random);
            outcome = "no group has a node to move to";
            for (String group : shuffledGroups) {
                List<String> replicas = (List<String>) groups.get(group);
                List<String> targets = replicaTargets(replicas,
                        (List<String>) retired.getOrDefault(group, List.of()), removed, shuffled(nodes));
                if (!targets.isEmpty()) {
                    String from = replicas.get(random.nextInt(replicas.size()));
                    String to = targets.getFirst();
                    outcome = "group " + group + "'s replica " + from + "->" + to + ": " + request(shuffled(nodes),
                            "/slots/replicas/move?group=" + group + "&from=" + from + "&to=" + to);
                    if (outcome.contains("recorded (") && random.nextInt(3) == 0) {
                        outcome += ", then cancelled: " + request(shuffled(nodes), "/slots/replicas/cancel?group="
                                + group);
                    }
                    break;
                }
            }
        }
        moves.add(outcome);
        return new Active(FaultKind.REPLICA, "replica move " + outcome + partition, List.of(), null);
    }

    /**
     * The nodes a replica of a group with {@code replicas} may move to, in the order of {@code shuffledNodes}: those
     * without one that the group never left and that are not removed from the cluster (the map refuses a move to a
     * removed node). None while a removed node holds one of its replicas: that replica is the removal's to move, and
     * moving another first could leave it nowhere to go (a group never returns to a node it left).
     */
    static List<String> replicaTargets(List<String> replicas, List<String> retired, List<String> removed,
                                       List<String> shuffledNodes) {
        if (replicas.stream().anyMatch(removed::contains)) {
            return List.of();
        }
        return shuffledNodes.stream().filter(id -> !replicas.contains(id) && !retired.contains(id)
                && !removed.contains(id)).toList();
    }

    /**
     * Removes a random node from the cluster for good, killed first for a {@code DOWN} target: {@code POST
     * /slots/nodes/remove?node=N} to each other live node in turn until one records or refuses it (any node records it,
     * forwarding the change to the metadata leader), asked again for a while if none could (no metadata leader). A
     * node killed first stays down once its removal is recorded; if it is not (refused, or the outcome unknown), the
     * heal starts it again. From then on a {@link NodeRemoval} drains it in the background.
     */
    private Active remove(Fault.Remove fault, List<String> nodes) throws InterruptedException {
        String victim = shuffled(nodes).getFirst();
        boolean down = fault.target() == Fault.Remove.Target.DOWN;
        Random own = new Random(random.nextLong()); // its requests depend on timing, the schedule must not
        List<String> others = shuffled(nodes).stream().filter(id -> !id.equals(victim)).toList();
        long requested = history.nowMicros();
        if (down) {
            cluster.kill(victim);
        }
        String path = "/slots/nodes/remove?node=" + victim;
        String outcome = request(others, path);
        long deadline = System.nanoTime() + REMOVE_RETRY.toNanos();
        while (outcome.startsWith("not recorded") && System.nanoTime() < deadline) {
            Thread.sleep(1000); // retry interval while no metadata leader answers, bounded by the deadline
            outcome = request(others, path);
        }
        removal = new NodeRemoval(cluster, history, own, victim, down, outcome, requested);
        List<String> killed = List.of();
        if (down && removal.recorded()) {
            cluster.stopForGood(victim);
            removal.stopped();
        } else if (down) {
            killed = List.of(victim);
        }
        return new Active(FaultKind.REMOVE, "remove " + (down ? "killed " : "running ") + victim + ": " + outcome
                + (down && removal.recorded() ? "; down for good" : ""), killed, null);
    }

    /** The run's node removal, if it was asked for. */
    Optional<NodeRemoval> removal() {
        return Optional.ofNullable(removal);
    }

    /**
     * Stops the removed node for good once it is drained and out of the metadata group; says so, or empty if it is
     * not time. Called by the thread that injects and heals faults, the only one that starts or kills nodes; a fault
     * in force that killed or paused the node heals without it.
     */
    Optional<String> stopRemovedNodeIfDone() throws InterruptedException {
        if (removal == null || !removal.readyToStop()) {
            return Optional.empty();
        }
        cluster.stopForGood(removal.node());
        removal.stopped();
        return Optional.of("removed node " + removal.node() + " holds no replica and has left the metadata group:"
                + " stopped for good");
    }

    @Override
    public void close() throws InterruptedException {
        if (removal != null) {
            removal.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static String groupOf(Map<String, Object> map, int slot) {
        for (Map<String, Object> range : (List<Map<String, Object>>) map.get("ranges")) {
            String[] bounds = range.get("slots").toString().split("-");
            if (Integer.parseInt(bounds[0]) <= slot && slot <= Integer.parseInt(bounds[1])) {
                return range.get("group").toString();
            }
        }
        return "none";
    }

    private String requestMove(List<String> nodes, int slot, String to) throws InterruptedException {
        return request(nodes, "/slots/move?slots=" + slot + "&to=" + to);
    }

    /** POSTs {@code path} to each live node in turn until one records (200), refuses (400) or may have (504). */
    private String request(List<String> nodes, String path) throws InterruptedException {
        String last = "no node answered";
        for (String id : nodes) {
            if (!cluster.isLive(id) || cluster.isPaused(id)) {
                continue;
            }
            try {
                java.net.http.HttpResponse<String> answer = cluster.admin(id, "POST", path, Duration.ofSeconds(10));
                last = "HTTP " + answer.statusCode() + " from " + id;
                if (answer.statusCode() == 200) {
                    return "recorded (" + last + ")";
                }
                if (answer.statusCode() == 400) {
                    return "refused (" + last + ": " + answer.body() + ")";
                }
                if (answer.statusCode() == 504) {
                    return "outcome unknown (" + last + ")"; // may be recorded: never asked again elsewhere
                }
            } catch (java.io.IOException e) {
                last = id + ": " + e.getMessage();
            }
        }
        return "not recorded (" + last + ")";
    }

    /** Every move asked for, with what came of the request. */
    List<String> moves() {
        return List.copyOf(moves);
    }

    private String removeAndRejoin(String victim, String what) throws InterruptedException {
        int before = operator.changes().size();
        operator.removeAndRejoin(victim, Duration.ofSeconds(15));
        List<MembershipOperator.Change> made = operator.changes();
        return "remove-rejoin " + what + " " + victim + ": " + made.subList(before, made.size()).stream()
                .map(change -> change.request().split(" ")[0] + " " + label(change)).toList();
    }

    private static String label(MembershipOperator.Change change) {
        return change.result().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Every node a voter again (see {@link MembershipOperator#restoreAll}); empty if not by the deadline. */
    Optional<MembershipOperator.Membership> restoreMembership(Duration deadline) throws InterruptedException {
        return operator.restoreAll(deadline);
    }

    List<MembershipOperator.Change> membershipChanges() {
        return operator.changes();
    }

    /** Undoes the fault in force (restart, SIGCONT or heal the network) and closes its window. */
    void heal() throws InterruptedException {
        if (active == null) {
            return;
        }
        long healedAt = history.nowMicros();
        active.killed().stream().filter(id -> !cluster.isGone(id)).forEach(cluster::start);
        if (active.paused() != null) {
            cluster.resume(active.paused());
        }
        if (active.kind() == FaultKind.PARTITION || active.kind() == FaultKind.MEMBERSHIP
                || active.kind() == FaultKind.MOVE || active.kind() == FaultKind.REPLICA) {
            cluster.network().healAll();
        }
        windows.add(new FaultWindow(windows.size() + 1, active.kind(), active.description(), activeSinceMicros,
                healedAt));
        boolean membership = active.kind() == FaultKind.MEMBERSHIP;
        active = null;
        if (membership) {
            operator.restoreAll(ChaosRun.SETTLE); // not restored yet: the final heal tries again and checks
        }
    }

    /** Returns the cluster to full health whatever happened: network healed, every node resumed and running. */
    void healEverything() throws InterruptedException {
        heal();
        cluster.network().healAll();
        for (String id : cluster.ids()) {
            if (cluster.isPaused(id)) {
                cluster.resume(id);
            }
            if (!cluster.isRunning(id)) {
                cluster.start(id);
            }
        }
    }

    List<FaultWindow> windows() {
        return List.copyOf(windows);
    }

    private List<String> shuffled(List<String> nodes) {
        List<String> copy = new ArrayList<>(nodes);
        Collections.shuffle(copy, random);
        return copy;
    }
}
